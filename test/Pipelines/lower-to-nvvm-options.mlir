// Bad options of longctx-lower-to-nvvm are reported, not crashed on.
// RUN: not longctx-opt %s --longctx-lower-to-nvvm="chip=sm_91" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not longctx-opt %s --longctx-lower-to-nvvm="chip=gfx90a" 2>&1 | FileCheck %s --check-prefix=CHIP2
// RUN: not longctx-opt %s --longctx-lower-to-nvvm="format=cubin" 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not longctx-opt %s --longctx-lower-to-nvvm="features=ptx80" 2>&1 | FileCheck %s --check-prefix=FEATURES
// RUN: not longctx-opt %s --longctx-lower-to-nvvm="features=+ptxABC" 2>&1 | FileCheck %s --check-prefix=FEATURES2
// RUN: not longctx-opt %s --longctx-lower-to-nvvm="chip=sm_90a features=+ptx78" 2>&1 | FileCheck %s --check-prefix=PTX
// RUN: not longctx-opt %s --longctx-lower-to-nvvm="opt-level=4" 2>&1 | FileCheck %s --check-prefix=OPT
// RUN: not longctx-opt %s --longctx-lower-to-nvvm="query-tile-size=2048" 2>&1 | FileCheck %s --check-prefix=TILE
// RUN: not longctx-opt %s --longctx-lower-to-nvvm="key-tile-size=512" 2>&1 | FileCheck %s --check-prefix=SHARED
// RUN: not longctx-opt %s --longctx-lower-to-nvvm="key-tile-size=9223372036854775807" 2>&1 | FileCheck %s --check-prefix=HUGE
// RUN: not longctx-opt %s '--longctx-lower-to-nvvm=toolkit="no such dir"' 2>&1 | FileCheck %s --check-prefix=TOOLKIT
// RUN: not longctx-opt %s "--longctx-lower-to-nvvm=toolkit='a\"b'" 2>&1 | FileCheck %s --check-prefix=QUOTE

// CHIP: error: longctx-lower-to-nvvm: unknown chip 'sm_91' (known: sm_50, sm_52, sm_53, sm_60, sm_61, sm_62, sm_70, sm_72, sm_75, sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a, sm_100, sm_100a, sm_101, sm_101a, sm_120, sm_120a)
// CHIP2: error: longctx-lower-to-nvvm: unknown chip 'gfx90a'
// FORMAT: error: longctx-lower-to-nvvm: unknown format 'cubin' (expected isa, bin or fatbin)
// FEATURES: error: longctx-lower-to-nvvm: features must be a PTX version such as +ptx80, got 'ptx80'
// FEATURES2: error: longctx-lower-to-nvvm: features must be a PTX version such as +ptx80, got '+ptxABC'
// PTX: error: longctx-lower-to-nvvm: chip sm_90a needs PTX 8.0 or later (+ptx80), got +ptx78
// OPT: error: longctx-lower-to-nvvm: opt-level must be 0 to 3, got 4
// TILE: error: convert-longctx-to-gpu: query-tile-size (threads per block) must be in [1, 1024], got 2048
// HUGE: error: convert-longctx-to-gpu: key-tile-size must be in [1, 12288], got 9223372036854775807
// TOOLKIT: error: longctx-lower-to-nvvm: toolkit 'no such dir' is not a directory (the CUDA toolkit's root)
// QUOTE: error: longctx-lower-to-nvvm: toolkit must be a path without double quotes, got 'a"b'
// SHARED: error: 'longctx.attention' op cannot be lowered: the GPU kernel's tiles need 327680 bytes of shared memory

func.func @main(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>,
                %v: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  %o = longctx.attention ins(%q, %k, %v : tensor<1x1x8x16xf32>,
         tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32>
  return %o : tensor<1x1x8x16xf32>
}
