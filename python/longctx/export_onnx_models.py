"""Exports the small ONNX test models under test/Examples/onnx/.

Run once by a developer, not in CI (the exported files are committed):

    apt-get install python3-torch python3-onnx     # Debian: torch 1.13
    cd python && /usr/bin/python3 -m longctx.export_onnx_models

Each model <name> is written as <name>.onnx with its input <name>.x.npy and
the PyTorch output <name>.expected.npy (float32; seeds fixed, so running it
again reproduces the files on the same PyTorch build). Debian's torch 1.13
exports up to opset 17; all models use opset 17 and static shapes.

Models:
  attention_causal  hand-written causal multi-head attention: q/k/v
                    projections, q k^T / sqrt(d), a torch.triu mask through
                    masked_fill(-inf), softmax, output projection
  mha_causal        torch.nn.MultiheadAttention with a causal attn_mask
  gpt_gqa           two GPT-style pre-LayerNorm blocks with grouped-query
                    attention (4 query heads over 2 key/value heads, K and V
                    heads repeated), a GELU MLP and residuals
  gpt_gqa_512       the same two blocks on 512-token chunks (the main job's
                    model, tools/run-example.sh)
  llama_gqa         two Llama-style blocks (RMSNorm, rotary position
                    embeddings computed in the graph with torch.outer, 8 query
                    heads over 2 key/value heads, SwiGLU MLP of 688, no
                    biases) on 256 tokens, hidden 256
  masks_<style>     one causal attention layer (hidden 64, 4 heads) for each
                    mask spelling of longctx.mask_models (bool_triu, additive,
                    tril_eq0, where_finfo, window), exported with a dynamic
                    sequence axis ("seq"), weights from NumPy (so the tests
                    compute their outputs at any length without PyTorch)
  gpt2_small        two GPT-2-small-shaped blocks (hidden 768, 12 heads, MLP
                    3072, fused QKV projection, causal mask sliced from a
                    tril buffer as GPT-2 does, tanh GELU) on 1024 tokens
  tiny_gpt          token ids in, logits out: an embedding (vocabulary 97),
                    the two gpt_gqa blocks (no position embeddings), a final
                    LayerNorm and an LM head, with a dynamic sequence axis;
                    tiny_gpt.prompt.npy (13 ids) and tiny_gpt.generated.npy
                    (PyTorch's greedy generation of 24 more ids, each step
                    over the whole sequence), for longctx-run --generate

For the GPT models it also writes what the model computes once its
attention is Infini-attention (python/longctx/reference.py, float64, gate
logits 0, memory starting at 0), as `longctx-raise-attention` followed by
`longctx-attention-to-infini` compiles it:
  gpt_gqa.infini.expected.npy         segments of 32 tokens, delta rule,
                                      on gpt_gqa.x.npy
  gpt_gqa_512.stream.x.npy            2048 tokens (4 chunks of 512)
  gpt_gqa_512.stream.expected.npy     segments of 512 tokens, delta rule
"""

import argparse
import math
import os

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from . import mask_models, reference

OPSET = 17


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention written out by hand."""

    def __init__(self, d_model, heads, seq):
        super().__init__()
        self.heads, self.head_dim = heads, d_model // heads
        self.q = nn.Linear(d_model, d_model)
        self.k = nn.Linear(d_model, d_model)
        self.v = nn.Linear(d_model, d_model)
        self.o = nn.Linear(d_model, d_model)
        self.seq = seq

    def forward(self, x):
        b, n, c = x.shape
        h, d = self.heads, self.head_dim
        q = self.q(x).view(b, n, h, d).transpose(1, 2)
        k = self.k(x).view(b, n, h, d).transpose(1, 2)
        v = self.v(x).view(b, n, h, d).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(d)
        mask = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)
        scores = scores.masked_fill(mask, float("-inf"))
        probs = torch.softmax(scores, dim=-1)
        out = torch.matmul(probs, v).transpose(1, 2).reshape(b, n, c)
        return self.o(out)


class TorchMHA(nn.Module):
    """nn.MultiheadAttention (batch first) with a causal boolean mask."""

    def __init__(self, d_model, heads, seq):
        super().__init__()
        self.mha = nn.MultiheadAttention(d_model, heads, batch_first=True)
        self.register_buffer(
            "mask", torch.triu(torch.ones(seq, seq, dtype=torch.bool), 1)
        )

    def forward(self, x):
        out, _ = self.mha(x, x, x, attn_mask=self.mask, need_weights=False)
        return out


def add_gqa_projections(module, d_model, heads, kv_heads):
    """The bias-free Q, K, V and output projections of grouped-query
    attention (K and V with kv_heads heads), in that order."""
    module.heads, module.kv_heads = heads, kv_heads
    module.head_dim = d_model // heads
    module.q = nn.Linear(d_model, d_model, bias=False)
    module.k = nn.Linear(d_model, kv_heads * module.head_dim, bias=False)
    module.v = nn.Linear(d_model, kv_heads * module.head_dim, bias=False)
    module.o = nn.Linear(d_model, d_model, bias=False)


class GQAAttention(nn.Module):
    """Causal grouped-query attention; K/V heads repeated to the query heads
    by unsqueeze-expand-reshape (what repeat_interleave computes)."""

    def __init__(self, d_model, heads, kv_heads, seq):
        super().__init__()
        add_gqa_projections(self, d_model, heads, kv_heads)
        self.register_buffer(
            "bias", torch.tril(torch.ones(seq, seq)).view(1, 1, seq, seq)
        )
        # (segment length, update rule): attend with the NumPy reference of
        # Infini-attention instead (never exported).
        self.infini = None
        # A function of (q, k, v) [B, H, n, d] as float64 arrays returning
        # the attention output: the NumPy reference of a Titans
        # architecture, say (never exported).
        self.titans = None

    def forward(self, x):
        b, n, c = x.shape
        h, hkv, d = self.heads, self.kv_heads, self.head_dim
        rep = h // hkv
        q = self.q(x).view(b, n, h, d).transpose(1, 2)
        k = self.k(x).view(b, n, hkv, d).transpose(1, 2)
        v = self.v(x).view(b, n, hkv, d).transpose(1, 2)
        if self.infini is not None:
            segment, rule = self.infini
            out, _, _ = reference.infini_attention(
                q.numpy(), k.numpy(), v.numpy(), np.zeros(h),
                np.zeros((b, hkv, d, d)), np.zeros((b, hkv, d)), segment, rule)
            y = torch.from_numpy(out.astype(np.float32))
            return self.o(y.transpose(1, 2).contiguous().view(b, n, c))
        if self.titans is not None:
            out = self.titans(*(t.numpy().astype(np.float64) for t in (q, k, v)))
            y = torch.from_numpy(out.astype(np.float32))
            return self.o(y.transpose(1, 2).contiguous().view(b, n, c))
        k = k[:, :, None].expand(b, hkv, rep, n, d).reshape(b, h, n, d)
        v = v[:, :, None].expand(b, hkv, rep, n, d).reshape(b, h, n, d)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d))
        att = att.masked_fill(self.bias[:, :, :n, :n] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, n, c)
        return self.o(y)


class Block(nn.Module):
    def __init__(self, d_model, heads, kv_heads, seq):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = GQAAttention(d_model, heads, kv_heads, seq)
        self.ln2 = nn.LayerNorm(d_model)
        self.fc = nn.Linear(d_model, 4 * d_model)
        self.proj = nn.Linear(4 * d_model, d_model)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.proj(F.gelu(self.fc(self.ln2(x))))


class GPT2Attention(nn.Module):
    """GPT-2's attention: one fused QKV projection split in three, the causal
    mask sliced from a lower-triangular buffer and applied with where()."""

    def __init__(self, d_model, heads, seq):
        super().__init__()
        self.heads, self.head_dim = heads, d_model // heads
        self.c_attn = nn.Linear(d_model, 3 * d_model)
        self.c_proj = nn.Linear(d_model, d_model)
        self.register_buffer(
            "bias", torch.tril(torch.ones(seq, seq, dtype=torch.bool)).view(1, 1, seq, seq)
        )

    def forward(self, x):
        b, n, c = x.shape
        h, d = self.heads, self.head_dim
        q, k, v = self.c_attn(x).split(c, dim=2)
        q = q.view(b, n, h, d).transpose(1, 2)
        k = k.view(b, n, h, d).transpose(1, 2)
        v = v.view(b, n, h, d).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d)
        att = torch.where(self.bias[:, :, :n, :n], att,
                          torch.tensor(torch.finfo(att.dtype).min))
        att = F.softmax(att, dim=-1)
        return self.c_proj((att @ v).transpose(1, 2).contiguous().view(b, n, c))


class GPT2Block(nn.Module):
    def __init__(self, d_model, heads, seq):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d_model)
        self.attn = GPT2Attention(d_model, heads, seq)
        self.ln_2 = nn.LayerNorm(d_model)
        self.c_fc = nn.Linear(d_model, 4 * d_model)
        self.c_proj = nn.Linear(4 * d_model, d_model)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT2(nn.Module):
    def __init__(self, d_model, heads, seq, layers):
        super().__init__()
        self.blocks = nn.ModuleList(GPT2Block(d_model, heads, seq) for _ in range(layers))

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x


class RMSNorm(nn.Module):
    def __init__(self, d_model, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d_model))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class LlamaAttention(nn.Module):
    """Grouped-query attention with rotary embeddings, the angles computed
    in the graph (torch.outer exports as Einsum)."""

    def __init__(self, d_model, heads, kv_heads, seq):
        super().__init__()
        add_gqa_projections(self, d_model, heads, kv_heads)
        inv_freq = 1.0 / (10000 ** (torch.arange(0, self.head_dim, 2).float()
                                    / self.head_dim))
        self.register_buffer("inv_freq", inv_freq)
        self.register_buffer(
            "mask", torch.triu(torch.ones(seq, seq, dtype=torch.bool), 1))

    def forward(self, x):
        b, n, c = x.shape
        h, hkv, d = self.heads, self.kv_heads, self.head_dim
        q = self.q(x).view(b, n, h, d).transpose(1, 2)
        k = self.k(x).view(b, n, hkv, d).transpose(1, 2)
        v = self.v(x).view(b, n, hkv, d).transpose(1, 2)
        t = torch.arange(n, dtype=torch.float32)
        freqs = torch.outer(t, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos(), emb.sin()
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = h // hkv
        k = k[:, :, None].expand(b, hkv, rep, n, d).reshape(b, h, n, d)
        v = v[:, :, None].expand(b, hkv, rep, n, d).reshape(b, h, n, d)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d)
        att = att.masked_fill(self.mask[:n, :n], float("-inf"))
        att = F.softmax(att, dim=-1)
        return self.o((att @ v).transpose(1, 2).contiguous().view(b, n, c))


class LlamaBlock(nn.Module):
    def __init__(self, d_model, heads, kv_heads, seq, hidden):
        super().__init__()
        self.norm1 = RMSNorm(d_model)
        self.attn = LlamaAttention(d_model, heads, kv_heads, seq)
        self.norm2 = RMSNorm(d_model)
        self.w1 = nn.Linear(d_model, hidden, bias=False)
        self.w3 = nn.Linear(d_model, hidden, bias=False)
        self.w2 = nn.Linear(hidden, d_model, bias=False)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        y = self.norm2(x)
        return x + self.w2(F.silu(self.w1(y)) * self.w3(y))


class Llama(nn.Module):
    def __init__(self, d_model, heads, kv_heads, seq, hidden, layers):
        super().__init__()
        self.blocks = nn.ModuleList(
            LlamaBlock(d_model, heads, kv_heads, seq, hidden) for _ in range(layers))
        generator = torch.Generator().manual_seed(3)
        for m in self.modules():
            if isinstance(m, RMSNorm):
                with torch.no_grad():
                    m.weight.copy_(1 + 0.1 * torch.randn(m.weight.shape, generator=generator))

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x


class MaskedAttention(nn.Module):
    """longctx.mask_models' layer: the mask computed from the length."""

    def __init__(self, style):
        super().__init__()
        self.style = style
        self.qkv = nn.Linear(mask_models.D_MODEL, 3 * mask_models.D_MODEL)
        self.o = nn.Linear(mask_models.D_MODEL, mask_models.D_MODEL)
        w_qkv, b_qkv, w_o, b_o = mask_models.weights()
        with torch.no_grad():
            for p, w in ((self.qkv.weight, w_qkv), (self.qkv.bias, b_qkv),
                         (self.o.weight, w_o), (self.o.bias, b_o)):
                p.copy_(torch.from_numpy(w))

    def forward(self, x, attention_mask=None):
        b, n, c = x.shape
        h, d = mask_models.HEADS, mask_models.HEAD_DIM
        q, k, v = self.qkv(x).split(c, dim=2)
        q, k, v = (t.view(b, n, h, d).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d)
        if self.style == "bool_triu":
            att = att.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1),
                                  float("-inf"))
        elif self.style == "additive":
            att = att + torch.full((n, n), float("-inf")).triu(1)
        elif self.style == "tril_eq0":
            att = att.masked_fill(torch.tril(torch.ones(n, n)) == 0, float("-inf"))
        elif self.style == "pad_bool":
            keep = (torch.ones(n, n, dtype=torch.bool).tril()
                    & attention_mask.bool()[:, None, None, :])
            att = att.masked_fill(~keep, float("-inf"))
        elif self.style == "pad_additive":
            pad = 1.0 - attention_mask[:, None, None, :].float()
            att = (att + torch.full((n, n), float("-inf")).triu(1)
                   + pad * torch.finfo(att.dtype).min)
        elif self.style == "where_finfo":
            att = torch.where(torch.ones(n, n, dtype=torch.bool).tril(), att,
                              torch.tensor(torch.finfo(att.dtype).min))
        else:
            i = torch.arange(n)[:, None]
            j = torch.arange(n)[None, :]
            att = att.masked_fill((j > i) | (j < i - (mask_models.WINDOW - 1)),
                                  float("-inf"))
        y = (F.softmax(att, dim=-1) @ v).transpose(1, 2).reshape(b, n, c)
        return self.o(y)


def export_mask_model(style, out_dir):
    """masks_<style>.onnx with a dynamic sequence axis; checked against the
    NumPy forward at 64 tokens."""
    model = MaskedAttention(style).eval()
    x = torch.from_numpy(
        np.random.default_rng(0).standard_normal((1, 64, 64)).astype(np.float32))
    inputs, names, axes = (x,), ["x"], {"x": {1: "seq"}, "y": {1: "seq"}}
    pad = None
    if style.startswith("pad_"):
        pad = mask_models.padding(64)
        inputs += (torch.from_numpy(pad),)
        names.append("attention_mask")
        axes["attention_mask"] = {1: "seq"}
    with torch.no_grad():
        y = model(*inputs).numpy()
    want = mask_models.forward(
        x.numpy(), window=mask_models.WINDOW if style == "window" else None,
        pad=pad)
    assert np.abs(y - want).max() < 1e-4, style
    path = os.path.join(out_dir, f"masks_{style}.onnx")
    torch.onnx.export(model, inputs, path, opset_version=OPSET,
                      input_names=names, output_names=["y"],
                      dynamic_axes=axes)
    print(f"{path}: {os.path.getsize(path)} bytes")


class GPT(nn.Module):
    def __init__(self, d_model, heads, kv_heads, seq, layers):
        super().__init__()
        self.blocks = nn.ModuleList(
            Block(d_model, heads, kv_heads, seq) for _ in range(layers)
        )

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x


class TinyGPT(nn.Module):
    """Token ids in, next-token logits out: an embedding, GPT blocks with
    grouped-query attention and no position embeddings (causal attention
    alone tells positions apart, so a call over cached keys needs no
    position offset), a final LayerNorm and a bias-free LM head."""

    def __init__(self, vocab, d_model, heads, kv_heads, max_seq, layers):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        self.gpt = GPT(d_model, heads, kv_heads, max_seq, layers)
        self.ln = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab, bias=False)

    def forward(self, ids):
        return self.head(self.ln(self.gpt(self.embed(ids))))


class TinyGPTPos(TinyGPT):
    """TinyGPT with learned absolute position embeddings read at
    `position_ids` (as GPT-2 takes them): a decoding call must be given its
    token's position in the sequence."""

    def __init__(self, vocab, d_model, heads, kv_heads, max_seq, layers):
        super().__init__(vocab, d_model, heads, kv_heads, max_seq, layers)
        self.pos = nn.Embedding(max_seq, d_model)

    def forward(self, ids, position_ids):
        x = self.embed(ids) + self.pos(position_ids)
        return self.head(self.ln(self.gpt(x)))


def greedy_generate(model, prompt, steps, positions=False):
    """PyTorch's greedy generation: each step runs the whole sequence (no
    cache) and appends the argmax of the last position's logits (with
    `positions`, the model also takes the positions 0..n-1). Returns the new
    ids [1, steps] and the smallest gap between the top two logits (how far
    from a tie any step was)."""
    ids, gap = prompt, float("inf")
    with torch.no_grad():
        for _ in range(steps):
            args = (ids, torch.arange(ids.shape[1])[None]) if positions else (ids,)
            logits = model(*args)[:, -1]
            top = torch.topk(logits, 2, dim=-1).values
            gap = min(gap, float(top[0, 0] - top[0, 1]))
            ids = torch.cat([ids, logits.argmax(-1, keepdim=True)], dim=1)
    return ids[:, prompt.shape[1]:], gap


TINY_GPT = dict(vocab=97, d_model=64, heads=4, kv_heads=2, max_seq=512, layers=2)


def export_tiny_gpt(out_dir, seed, prompt_len=13, steps=24):
    """tiny_gpt.onnx with a dynamic sequence axis, a prompt of `prompt_len`
    ids and PyTorch's greedy generation of `steps` more."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed + 1)
    model = TinyGPT(**TINY_GPT).eval()
    randomize_layer_norms(model, generator)
    with torch.no_grad():
        # Logits a few units apart, so no step is near a tie.
        model.head.weight.normal_(0.0, 1.0, generator=generator)
    prompt = torch.randint(0, TINY_GPT["vocab"], (1, prompt_len), generator=generator)
    generated, gap = greedy_generate(model, prompt, steps)
    path = os.path.join(out_dir, "tiny_gpt.onnx")
    torch.onnx.export(model, (prompt,), path, opset_version=OPSET,
                      input_names=["ids"], output_names=["logits"],
                      dynamic_axes={"ids": {1: "seq"}, "logits": {1: "seq"}})
    np.save(os.path.join(out_dir, "tiny_gpt.prompt.npy"), prompt.numpy().astype(np.int64))
    np.save(os.path.join(out_dir, "tiny_gpt.generated.npy"),
            generated.numpy().astype(np.int64))
    print(f"{path}: {os.path.getsize(path)} bytes; greedy generation of {steps} "
          f"tokens, smallest top-2 logit gap {gap:.4f}")


def export_tiny_gpt_pos(out_dir, seed, prompt_len=13, steps=24):
    """tiny_gpt_pos.onnx (inputs ids and position_ids, a dynamic sequence
    axis), a prompt and PyTorch's greedy generation of `steps` more ids."""
    torch.manual_seed(seed + 7)
    generator = torch.Generator().manual_seed(seed + 8)
    model = TinyGPTPos(**TINY_GPT).eval()
    randomize_layer_norms(model, generator)
    with torch.no_grad():
        model.head.weight.normal_(0.0, 1.0, generator=generator)
        model.pos.weight.normal_(0.0, 1.0, generator=generator)
    prompt = torch.randint(0, TINY_GPT["vocab"], (1, prompt_len), generator=generator)
    generated, gap = greedy_generate(model, prompt, steps, positions=True)
    path = os.path.join(out_dir, "tiny_gpt_pos.onnx")
    torch.onnx.export(model, (prompt, torch.arange(prompt_len)[None]), path,
                      opset_version=OPSET, input_names=["ids", "position_ids"],
                      output_names=["logits"],
                      dynamic_axes={"ids": {1: "seq"}, "position_ids": {1: "seq"},
                                    "logits": {1: "seq"}})
    np.save(os.path.join(out_dir, "tiny_gpt_pos.prompt.npy"),
            prompt.numpy().astype(np.int64))
    np.save(os.path.join(out_dir, "tiny_gpt_pos.generated.npy"),
            generated.numpy().astype(np.int64))
    print(f"{path}: {os.path.getsize(path)} bytes; greedy generation of {steps} "
          f"tokens, smallest top-2 logit gap {gap:.4f}")


def randomize_layer_norms(model, generator):
    """Non-trivial LayerNorm weights, so the test sees scale and bias."""
    for m in model.modules():
        if isinstance(m, nn.LayerNorm):
            with torch.no_grad():
                m.weight.copy_(1 + 0.1 * torch.randn(m.weight.shape, generator=generator))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=generator))


MODELS = {
    "attention_causal": (lambda: CausalSelfAttention(64, 4, 128), (1, 128, 64)),
    "mha_causal": (lambda: TorchMHA(64, 4, 64), (1, 64, 64)),
    "gpt_gqa": (lambda: GPT(64, 4, 2, 128, 2), (1, 128, 64)),
    "gpt_gqa_512": (lambda: GPT(64, 4, 2, 512, 2), (1, 512, 64)),
    "gpt2_small": (lambda: GPT2(768, 12, 1024, 2), (1, 1024, 768)),
    "llama_gqa": (lambda: Llama(256, 8, 2, 256, 688, 2), (1, 256, 256)),
}


def build(name, seed=0):
    """The PyTorch model `name` with the weights `export` gives it, and the
    generator after its LayerNorms (the next draws are its inputs)."""
    make, _ = MODELS[name]
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed + 1)
    model = make().eval()
    randomize_layer_norms(model, generator)
    return model, generator


def run_titans(model, x, layer_fns):
    """The model's output with the attention of layer i computed by
    layer_fns[i](q, k, v) (NumPy, float64)."""
    layers = [m for m in model.modules() if isinstance(m, GQAAttention)]
    for m, fn in zip(layers, layer_fns):
        m.titans = fn
    with torch.no_grad():
        y = model(x)
    for m in layers:
        m.titans = None
    return y.numpy().astype(np.float32)


def run_infini(model, x, segment, rule):
    """The model's output with every attention replaced by Infini-attention."""
    layers = [m for m in model.modules() if isinstance(m, GQAAttention)]
    for m in layers:
        m.infini = (segment, rule)
    with torch.no_grad():
        y = model(x)
    for m in layers:
        m.infini = None
    return y.numpy().astype(np.float32)


def export(name, out_dir, seed):
    _, shape = MODELS[name]
    model, generator = build(name, seed)
    x = torch.randn(shape, generator=generator)
    with torch.no_grad():
        expected = model(x)
    path = os.path.join(out_dir, name + ".onnx")
    torch.onnx.export(
        model,
        (x,),
        path,
        opset_version=OPSET,
        input_names=["x"],
        output_names=["y"],
        do_constant_folding=True,
    )
    np.save(os.path.join(out_dir, name + ".x.npy"), x.numpy().astype(np.float32))
    np.save(
        os.path.join(out_dir, name + ".expected.npy"),
        expected.numpy().astype(np.float32),
    )
    if name == "gpt_gqa":
        np.save(os.path.join(out_dir, name + ".infini.expected.npy"),
                run_infini(model, x, 32, "delta"))
    if name == "gpt_gqa_512":
        xs = torch.randn((1, 2048, shape[2]), generator=generator)
        np.save(os.path.join(out_dir, name + ".stream.x.npy"), xs.numpy())
        np.save(os.path.join(out_dir, name + ".stream.expected.npy"),
                run_infini(model, xs, 512, "delta"))
    print(f"{path}: {os.path.getsize(path)} bytes")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(here, "..", "..", "test", "Examples", "onnx")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.normpath(default_out))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "models", nargs="*",
        default=list(MODELS) + ["masks_" + s for s in mask_models.STYLES]
        + ["tiny_gpt", "tiny_gpt_pos"])
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in args.models:
        if name.startswith("masks_"):
            export_mask_model(name[len("masks_"):], args.out)
        elif name == "tiny_gpt":
            export_tiny_gpt(args.out, args.seed)
        elif name == "tiny_gpt_pos":
            export_tiny_gpt_pos(args.out, args.seed)
        else:
            export(name, args.out, args.seed)


if __name__ == "__main__":
    main()
