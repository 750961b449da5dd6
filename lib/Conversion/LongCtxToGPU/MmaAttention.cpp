//===- MmaAttention.cpp - Tensor-core flash-attention kernel --------------===//
//
// Part of the longctx project.
//
//===----------------------------------------------------------------------===//
//
// The f16 flash-attention kernel on tensor cores (mma.sync m16n8k16, f32
// accumulation) that longctx-gpu-define-launchers writes for launchers
// tagged `mma`.
//
//===----------------------------------------------------------------------===//

#include "GPUKernelBuilder.h"

#include <limits>

using namespace mlir;
using namespace mlir::longctx;
using namespace mlir::longctx::detail;

/// Whether the tensor-core kernel applies: f16 operands, head dims that are
/// whole mma.sync m16n8k16 tiles, tiles of whole warps and key chunks.
bool mlir::longctx::detail::canUseMma(AttentionOp op,
                                      const GPUAttentionTiling &tiling) {
  auto isF16 = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getElementType().isF16();
  };
  int64_t d = op.getQuery().getType().getDimSize(3);
  int64_t dv = op.getValue().getType().getDimSize(3);
  return isF16(op.getQuery()) && isF16(op.getKey()) && isF16(op.getValue()) &&
         d % 16 == 0 && dv % 8 == 0 && tiling.queryTileSize % 16 == 0 &&
         2 * tiling.queryTileSize <= 1024 && tiling.keyTileSize % 16 == 0 &&
         tiling.keyTileSize * (d + dv) * 2 <= kGPUStaticSharedMemoryLimit;
}

namespace {
/// Which non-finite value an f16 is: `plus` for +inf or NaN, `minus` for
/// -inf or NaN, `any` for either (compares only: no libdevice).
struct NonFiniteClass {
  Value plus, minus, any;
};
} // namespace

static NonFiniteClass classifyNonFinite(OpBuilder &b, Location loc, Value x) {
  Type type = x.getType();
  auto constant = [&](double v) {
    return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, v));
  };
  const double inf = std::numeric_limits<double>::infinity();
  NonFiniteClass c;
  c.plus = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UEQ, x,
                                 constant(inf));
  c.minus = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UEQ, x,
                                  constant(-inf));
  c.any = arith::OrIOp::create(b, loc, c.plus, c.minus);
  return c;
}

/// `o` plus what the non-finite values of the seen keys add to it, from
/// `plus` and `minus`, their counts of +inf-or-NaN and -inf-or-NaN values:
/// +inf, -inf, or NaN where both are non-zero.
static Value addNonFinite(OpBuilder &b, Location loc, Value o, Value plus,
                          Value minus) {
  Type f32 = o.getType();
  auto constant = [&](double v) {
    return arith::ConstantOp::create(b, loc, f32, b.getFloatAttr(f32, v));
  };
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto positive = [&](Value count) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, count,
                                 constant(0.0));
  };
  Value hasPlus = positive(plus), hasMinus = positive(minus);
  Value added = arith::SelectOp::create(b, loc, hasMinus, constant(-inf),
                                        constant(0.0));
  added = arith::SelectOp::create(
      b, loc, hasPlus,
      arith::SelectOp::create(b, loc, hasMinus, constant(nan), constant(inf)),
      added);
  return arith::AddFOp::create(b, loc, o, added);
}

/// Launches, after `token`, the tensor-core (mma.sync m16n8k16, f16 inputs,
/// f32 accumulation) flash-attention kernel. A block per (query tile, head,
/// batch) with a warp per 16 query rows; K and V tiles staged in shared
/// memory as f16. Lane (g = lane / 4, t = lane % 4) holds rows g and g + 8
/// of its warp: the query as A fragments, scores as C fragments (keys
/// 2t, 2t+1 of every 8), which become the A fragments of P V in registers,
/// and the output accumulator as C fragments; row max and sum are reduced
/// over the 4 lanes of a row with shuffles. A key tile whose V holds an inf
/// or a NaN (flagged in shared memory while staging) takes the guarded P V
/// of `buildGuardedPV`, so that keys a row does not see add nothing to it.
/// Returns the launch's token.
Value mlir::longctx::detail::launchMmaAttention(OpBuilder &b, Location loc,
                                                Value token, Value query,
                                                Value key, Value value,
                                                Value mask, Value output,
                                                const MmaAttentionParams &p) {
  MLIRContext *ctx = b.getContext();
  Type f16 = b.getF16Type(), f32 = b.getF32Type();
  auto queryType = cast<MemRefType>(query.getType());
  const int64_t numHeads = queryType.getDimSize(1);
  const int64_t d = queryType.getDimSize(3);
  const int64_t dv = cast<MemRefType>(value.getType()).getDimSize(3);
  const int64_t tq = p.queryTile, tk = p.keyTile, threads = 2 * tq;
  KernelBuilder hb{b, loc, f32};
  Value batch = memref::DimOp::create(b, loc, query, 0);
  Value queryLen = memref::DimOp::create(b, loc, query, 2);
  Value keyLen = memref::DimOp::create(b, loc, key, 2);
  Value numTiles = arith::CeilDivSIOp::create(b, loc, queryLen, hb.index(tq));
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto sharedType = [&](int64_t cols) {
    return MemRefType::get({tk, cols}, f16, MemRefLayoutAttrInterface(),
                           workgroup);
  };
  Value one = hb.index(1);
  auto launch = gpu::LaunchOp::create(
      b, loc, numTiles, hb.index(numHeads), batch, hb.index(threads), one, one,
      nullptr, gpu::AsyncTokenType::get(ctx), ValueRange{token},
      TypeRange{sharedType(d), sharedType(dv),
                MemRefType::get({1}, b.getI32Type(),
                                MemRefLayoutAttrInterface(), workgroup)});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  KernelBuilder kb{b, loc, f32};
  Value ks = launch.getWorkgroupAttributions()[0];
  Value vs = launch.getWorkgroupAttributions()[1];
  // The start of the last key tile whose staged V is not finite (-1: none
  // yet); tiles are told apart by their start, so it is never cleared.
  Value flag = launch.getWorkgroupAttributions()[2];
  Value tid = launch.getThreadIds().x, head = launch.getBlockIds().y;
  Value bi = launch.getBlockIds().z;
  Value tile = launch.getBlockIds().x;
  if (p.causal)
    tile = kb.sub(kb.sub(numTiles, one), tile);
  Value q0 = kb.mul(tile, kb.index(tq));
  Value lane = arith::RemUIOp::create(b, loc, tid, kb.index(32));
  Value warp = arith::DivUIOp::create(b, loc, tid, kb.index(32));
  Value g = arith::DivUIOp::create(b, loc, lane, kb.index(4));
  Value t = arith::RemUIOp::create(b, loc, lane, kb.index(4));
  Value t2 = kb.mul(t, kb.index(2));
  Value rows[2];
  rows[0] = kb.add(kb.add(q0, kb.mul(warp, kb.index(16))), g);
  rows[1] = kb.add(rows[0], kb.index(8));
  Value zeroIdx = kb.index(0);
  Value lastRow = kb.max(kb.sub(queryLen, one), zeroIdx);
  Value lastKey = kb.max(kb.sub(keyLen, one), zeroIdx);
  Value loadRows[2] = {kb.max(kb.min(rows[0], lastRow), zeroIdx),
                       kb.max(kb.min(rows[1], lastRow), zeroIdx)};
  Value kvHead = arith::DivUIOp::create(b, loc, head, kb.index(p.group));
  Value diagonal = kb.sub(keyLen, queryLen);
  Value windowMinusOne = p.window ? kb.index(*p.window - 1) : Value();
  Value negInf = kb.constant(-std::numeric_limits<double>::infinity());
  Value zero = kb.constant(0.0);
  Value lowest = kb.constant(std::numeric_limits<float>::lowest());
  Value scaleV = kb.constant(p.scale),
        log2eV = kb.constant(1.0 / std::log(2.0));
  auto fragType = [&](int64_t r, Type e) { return VectorType::get({r, 2}, e); };
  auto fromElements = [&](OpBuilder &ob, VectorType type, ValueRange elems) {
    return vector::FromElementsOp::create(ob, loc, type, elems).getResult();
  };
  auto extract = [&](OpBuilder &ob, Value v, int64_t i, int64_t j) {
    return vector::ExtractOp::create(ob, loc, v, ArrayRef<int64_t>{i, j})
        .getResult();
  };

  // The query rows as A fragments (16 of the head dim each).
  SmallVector<Value> qFrags;
  for (int64_t kc = 0; kc < d / 16; ++kc) {
    SmallVector<Value> e;
    for (int64_t reg = 0; reg < 4; ++reg) {
      Value row = loadRows[reg % 2];
      Value col = kb.add(t2, kb.index(kc * 16 + (reg / 2) * 8));
      for (int64_t j = 0; j < 2; ++j)
        e.push_back(memref::LoadOp::create(
            b, loc, query,
            ValueRange{bi, head, row, kb.add(col, kb.index(j))}));
    }
    qFrags.push_back(fromElements(b, fragType(4, f16), e));
  }

  Value keyEnd = keyLen;
  if (p.causal)
    keyEnd = kb.min(kb.max(kb.add(kb.add(q0, kb.index(tq)), diagonal), zeroIdx),
                    keyLen);
  Value keyStart = zeroIdx;
  if (p.window)
    keyStart = kb.max(kb.sub(kb.add(q0, diagonal), windowMinusOne), zeroIdx);

  // Cooperative copy of rows [k0, k0 + tk) of `src` into `dst`, as f16;
  // with `flagTile`, a thread that copies an inf or a NaN stores it in
  // `flag`.
  auto stage = [&](OpBuilder &ob, Value k0, Value src, Value dst,
                   int64_t cols, Value flagTile) {
    KernelBuilder sb{ob, loc, f32};
    int64_t total = tk * cols;
    scf::ForOp::create(
        ob, loc, sb.index(0), sb.index((total + threads - 1) / threads),
        sb.index(1), ValueRange{},
        [&](OpBuilder &lb, Location, Value it, ValueRange) {
          KernelBuilder ib{lb, loc, f32};
          Value idx = ib.add(ib.mul(it, ib.index(threads)), tid);
          Value inside =
              ib.cmp(arith::CmpIPredicate::ult, idx, ib.index(total));
          scf::IfOp::create(lb, loc, inside, [&](OpBuilder &tb, Location) {
            KernelBuilder xb{tb, loc, f32};
            Value r = arith::DivUIOp::create(tb, loc, idx, xb.index(cols));
            Value c = arith::RemUIOp::create(tb, loc, idx, xb.index(cols));
            Value kr = xb.min(xb.add(k0, r), lastKey);
            Value x = memref::LoadOp::create(tb, loc, src,
                                             ValueRange{bi, kvHead, kr, c});
            memref::StoreOp::create(tb, loc, x, dst, ValueRange{r, c});
            if (flagTile) {
              Value bad = classifyNonFinite(tb, loc, x).any;
              scf::IfOp::create(tb, loc, bad, [&](OpBuilder &fb, Location) {
                memref::StoreOp::create(fb, loc, flagTile, flag,
                                        ValueRange{zeroIdx});
                scf::YieldOp::create(fb, loc);
              });
            }
            scf::YieldOp::create(tb, loc);
          });
          scf::YieldOp::create(lb, loc);
        });
  };
  auto rowReduce = [&](OpBuilder &ob, Value x, bool isMax) {
    for (int32_t offset : {1, 2}) {
      Value other =
          gpu::ShuffleOp::create(ob, loc, x, offset, 32, gpu::ShuffleMode::XOR)
              .getShuffleResult();
      x = isMax ? arith::MaximumFOp::create(ob, loc, x, other).getResult()
                : arith::AddFOp::create(ob, loc, x, other).getResult();
    }
    return x;
  };

  // No tile flagged yet: -1 is the start of none.
  scf::IfOp::create(
      b, loc, kb.cmp(arith::CmpIPredicate::eq, tid, zeroIdx),
      [&](OpBuilder &ob, Location) {
        Value none = arith::ConstantIntOp::create(ob, loc, -1, 32);
        memref::StoreOp::create(ob, loc, none, flag, ValueRange{zeroIdx});
        scf::YieldOp::create(ob, loc);
      });
  gpu::BarrierOp::create(b, loc);

  // State: max and partial sum of rows g, g + 8, the output C fragments.
  SmallVector<Value> init = {lowest, lowest, zero, zero};
  Value zeroFrag = fromElements(b, fragType(2, f32), {zero, zero, zero, zero});
  init.append(dv / 8, zeroFrag);
  auto keyLoop = scf::ForOp::create(
      b, loc, keyStart, keyEnd, kb.index(tk), init,
      [&](OpBuilder &lb, Location, Value k0, ValueRange state) {
        KernelBuilder ib{lb, loc, f32};
        Value tileId = arith::IndexCastOp::create(lb, loc, lb.getI32Type(), k0);
        stage(lb, k0, key, ks, d, Value());
        stage(lb, k0, value, vs, dv, tileId);
        gpu::BarrierOp::create(lb, loc);
        Value flagged = ib.cmp(
            arith::CmpIPredicate::eq,
            memref::LoadOp::create(lb, loc, flag, ValueRange{zeroIdx}),
            tileId);
        // S = Q K^T: a C fragment per 8 keys; B[k][n] = K[n][k] is two
        // consecutive f16 of a key row.
        SmallVector<SmallVector<Value, 4>> sc; // [chunk][row*2+j]
        for (int64_t nb = 0; nb < tk / 8; ++nb) {
          Value acc = zeroFrag;
          Value keyRow = ib.add(g, ib.index(nb * 8));
          for (int64_t kc = 0; kc < d / 16; ++kc) {
            SmallVector<Value> e;
            for (int64_t reg = 0; reg < 2; ++reg)
              for (int64_t j = 0; j < 2; ++j)
                e.push_back(memref::LoadOp::create(
                    lb, loc, ks,
                    ValueRange{keyRow,
                               ib.add(t2, ib.index(kc * 16 + reg * 8 + j))}));
            Value bFrag = fromElements(lb, fragType(2, f16), e);
            acc = nvgpu::MmaSyncOp::create(lb, loc, qFrags[kc], bFrag, acc,
                                           ArrayRef<int64_t>{16, 8, 16})
                      .getResult();
          }
          SmallVector<Value, 4> vals;
          for (int64_t r = 0; r < 2; ++r)
            for (int64_t j = 0; j < 2; ++j) {
              Value s = ib.fmul(extract(lb, acc, r, j), scaleV);
              Value col = ib.add(ib.add(k0, ib.index(nb * 8 + j)), t2);
              Value diagRow = ib.add(rows[r], diagonal);
              Value visible = ib.cmp(arith::CmpIPredicate::slt, col, keyLen);
              if (p.causal)
                visible = arith::AndIOp::create(
                    lb, loc, visible,
                    ib.cmp(arith::CmpIPredicate::sle, col, diagRow));
              if (p.window)
                visible = arith::AndIOp::create(
                    lb, loc, visible,
                    ib.cmp(arith::CmpIPredicate::sge,
                           ib.add(col, windowMinusOne), diagRow));
              if (mask) {
                auto maskType = cast<MemRefType>(mask.getType());
                Value mb = maskType.getDimSize(0) == 1 ? zeroIdx : bi;
                Value mh = maskType.getDimSize(1) == 1 ? zeroIdx : head;
                Value mr = maskType.getDimSize(2) == 1 ? zeroIdx : loadRows[r];
                Value m = memref::LoadOp::create(
                    lb, loc, mask,
                    ValueRange{mb, mh, mr, ib.min(col, lastKey)});
                if (m.getType().isInteger(1)) {
                  visible = arith::AndIOp::create(lb, loc, visible, m);
                } else {
                  if (!m.getType().isF32())
                    m = arith::ExtFOp::create(lb, loc, f32, m);
                  // -inf hides the key whatever its score.
                  visible = arith::AndIOp::create(
                      lb, loc, visible,
                      arith::CmpFOp::create(lb, loc, arith::CmpFPredicate::UNE,
                                            m, negInf));
                  s = ib.fma(m, log2eV, s);
                }
              }
              vals.push_back(
                  arith::SelectOp::create(lb, loc, visible, s, negInf));
            }
          sc.push_back(vals);
        }
        // Online softmax per row (r = 0: row g, r = 1: row g + 8).
        Value newMax[2], alpha[2], sums[2];
        for (int64_t r = 0; r < 2; ++r) {
          Value m = state[r];
          Value tmax = negInf;
          for (auto &vals : sc)
            for (int64_t j = 0; j < 2; ++j)
              tmax = ib.fmax(tmax, vals[r * 2 + j]);
          tmax = rowReduce(lb, tmax, /*isMax=*/true);
          newMax[r] = ib.fmax(m, tmax);
          alpha[r] = ib.exp2(ib.fsub(m, newMax[r]));
          sums[r] = ib.fmul(state[2 + r], alpha[r]);
        }
        SmallVector<SmallVector<Value, 4>> probs;
        for (auto &vals : sc) {
          SmallVector<Value, 4> pv;
          for (int64_t r = 0; r < 2; ++r)
            for (int64_t j = 0; j < 2; ++j) {
              Value pr = ib.exp2(ib.fsub(vals[r * 2 + j], newMax[r]));
              sums[r] = ib.fadd(sums[r], pr);
              pv.push_back(pr);
            }
          probs.push_back(pv);
        }
        // O = O * alpha + P V: P's A fragment (16 keys) is two score C
        // fragments; B[k][n] = V[k][n], two rows of the value tile. A
        // flagged tile takes the guarded form.
        auto buildPV = [&](OpBuilder &ob, bool guarded) {
          KernelBuilder pb{ob, loc, f32};
          Value one16 = arith::ConstantOp::create(ob, loc, f16,
                                                  ob.getF16FloatAttr(1.0));
          Value zero16 = arith::ConstantOp::create(ob, loc, f16,
                                                   ob.getF16FloatAttr(0.0));
          auto mma = [&](Value a, Value bFrag, Value acc) {
            return nvgpu::MmaSyncOp::create(ob, loc, a, bFrag, acc,
                                            ArrayRef<int64_t>{16, 8, 16})
                .getResult();
          };
          SmallVector<Value> frags;
          for (int64_t nbv = 0; nbv < dv / 8; ++nbv) {
            Value o = state[4 + nbv];
            SmallVector<Value> scaled;
            for (int64_t r = 0; r < 2; ++r)
              for (int64_t j = 0; j < 2; ++j)
                scaled.push_back(pb.fmul(extract(ob, o, r, j), alpha[r]));
            o = fromElements(ob, fragType(2, f32), scaled);
            // Counts of +inf-or-NaN and -inf-or-NaN values among the keys
            // each row sees (guarded only).
            Value plus = zeroFrag, minus = zeroFrag;
            Value valueCol = pb.add(g, pb.index(nbv * 8));
            for (int64_t kk = 0; kk < tk / 16; ++kk) {
              SmallVector<Value> a, seen;
              for (int64_t reg = 0; reg < 4; ++reg)
                for (int64_t j = 0; j < 2; ++j) {
                  Value pr = probs[2 * kk + reg / 2][(reg % 2) * 2 + j];
                  a.push_back(arith::TruncFOp::create(ob, loc, f16, pr));
                  if (guarded)
                    seen.push_back(arith::SelectOp::create(
                        ob, loc,
                        arith::CmpFOp::create(ob, loc,
                                              arith::CmpFPredicate::ONE, pr,
                                              zero),
                        one16, zero16));
                }
              SmallVector<Value> e, ePlus, eMinus;
              for (int64_t reg = 0; reg < 2; ++reg)
                for (int64_t j = 0; j < 2; ++j) {
                  Value x = memref::LoadOp::create(
                      ob, loc, vs,
                      ValueRange{pb.add(t2, pb.index(kk * 16 + reg * 8 + j)),
                                 valueCol});
                  if (guarded) {
                    NonFiniteClass c = classifyNonFinite(ob, loc, x);
                    x = arith::SelectOp::create(ob, loc, c.any, zero16, x);
                    ePlus.push_back(arith::SelectOp::create(ob, loc, c.plus,
                                                            one16, zero16));
                    eMinus.push_back(arith::SelectOp::create(ob, loc, c.minus,
                                                             one16, zero16));
                  }
                  e.push_back(x);
                }
              Value aFrag = fromElements(ob, fragType(4, f16), a);
              o = mma(aFrag, fromElements(ob, fragType(2, f16), e), o);
              if (!guarded)
                continue;
              Value seenFrag = fromElements(ob, fragType(4, f16), seen);
              plus = mma(seenFrag, fromElements(ob, fragType(2, f16), ePlus),
                         plus);
              minus = mma(seenFrag,
                          fromElements(ob, fragType(2, f16), eMinus), minus);
            }
            if (guarded) {
              SmallVector<Value> sum;
              for (int64_t r = 0; r < 2; ++r)
                for (int64_t j = 0; j < 2; ++j)
                  sum.push_back(addNonFinite(ob, loc, extract(ob, o, r, j),
                                             extract(ob, plus, r, j),
                                             extract(ob, minus, r, j)));
              o = fromElements(ob, fragType(2, f32), sum);
            }
            frags.push_back(o);
          }
          return frags;
        };
        auto pv = scf::IfOp::create(
            lb, loc, flagged,
            [&](OpBuilder &ob, Location) {
              scf::YieldOp::create(ob, loc, buildPV(ob, /*guarded=*/true));
            },
            [&](OpBuilder &ob, Location) {
              scf::YieldOp::create(ob, loc, buildPV(ob, /*guarded=*/false));
            });
        SmallVector<Value> yielded = {newMax[0], newMax[1], sums[0], sums[1]};
        llvm::append_range(yielded, pv.getResults());
        gpu::BarrierOp::create(lb, loc);
        scf::YieldOp::create(lb, loc, yielded);
      });

  // O = acc / l (0 where l == 0), for rows inside N.
  Value total[2] = {rowReduce(b, keyLoop.getResult(2), /*isMax=*/false),
                    rowReduce(b, keyLoop.getResult(3), /*isMax=*/false)};
  for (int64_t r = 0; r < 2; ++r) {
    Value valid = kb.cmp(arith::CmpIPredicate::slt, rows[r], queryLen);
    scf::IfOp::create(b, loc, valid, [&](OpBuilder &ob, Location) {
      KernelBuilder wb{ob, loc, f32};
      Value isEmpty = arith::CmpFOp::create(ob, loc, arith::CmpFPredicate::OEQ,
                                            total[r], zero);
      for (int64_t nbv = 0; nbv < dv / 8; ++nbv)
        for (int64_t j = 0; j < 2; ++j) {
          Value x = extract(ob, keyLoop.getResult(4 + nbv), r, j);
          Value q = arith::DivFOp::create(ob, loc, x, total[r]);
          Value res = arith::SelectOp::create(ob, loc, isEmpty, zero, q);
          res = arith::TruncFOp::create(ob, loc, f16, res);
          Value col = wb.add(t2, wb.index(nbv * 8 + j));
          memref::StoreOp::create(ob, loc, res, output,
                                  ValueRange{bi, head, rows[r], col});
        }
      scf::YieldOp::create(ob, loc);
    });
  }
  gpu::TerminatorOp::create(b, loc);
  return launch.getAsyncToken();
}
