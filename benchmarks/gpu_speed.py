"""GPU figures: full fine-tuning of a ViT-B/32-sized CLIP (transformers' default CLIPConfig,
random init: speed does not depend on the weights) with CLIP's contrastive loss and AdamW,
in bf16 autocast and in fp32, side by side; images/s, the achieved TFLOP/s (FLOPs of one step
counted by torch's FlopCounterMode) and its fraction of the device's peak dense bf16 rate.
Then the project's own training step on the same-sized model (backbone hf_clip from a local
random-init checkpoint, everything trainable, bf16): s_clip against clip_ft at the same images
per step, as step_speed.py measures it on the CPU (`gpu_train_step_ratio`; `_sdpa`: with
`model.attention: sdpa`), and each step's parts (`gpu_train_step_phases`).

    python benchmarks/gpu_speed.py                      # on a CUDA device; merges into speed.json
    python benchmarks/gpu_speed.py --device cpu --batch-size 2 --steps 1 --out /tmp/x.json  # smoke

Every figure is stored with the device's name and the date (keys `gpu_*` in
benchmarks/results/speed.json). The peak is looked up by device name (PEAK_BF16_TFLOPS, dense
tensor-core rates from the vendors' data sheets) or given with --peak-tflops."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from sclip.training.losses import contrastive_loss  # noqa: E402

# Dense bf16 tensor throughput (no sparsity), TFLOP/s, SXM parts unless named.
PEAK_BF16_TFLOPS = {
    "H200": 989.0,
    "H100 PCIe": 756.0,
    "H100": 989.0,
    "A100": 312.0,
    "L40S": 362.0,
    "L4": 121.0,
    "A10G": 70.0,
    "A10": 125.0,
}


def peak_tflops(device_name: str) -> float | None:
    """The first table entry named in the device's name (longest names first: "H100 PCIe")."""
    for key in sorted(PEAK_BF16_TFLOPS, key=len, reverse=True):
        if key in device_name:
            return PEAK_BF16_TFLOPS[key]
    return None


def clip_model(device: torch.device):
    from transformers import CLIPConfig, CLIPModel

    torch.manual_seed(0)
    return CLIPModel(CLIPConfig()).to(device).train()  # ViT-B/32: 224 px, patch 32, 12 + 12 layers


def make_step(model, batch_size: int, precision: str, device: torch.device):
    """One full fine-tuning step on random pixels and token ids (77 tokens, CLIP's length)."""
    g = torch.Generator(device="cpu").manual_seed(0)
    pixels = torch.randn(batch_size, 3, 224, 224, generator=g).to(device)
    ids = torch.randint(0, model.config.text_config.vocab_size, (batch_size, 77), generator=g)
    ids = ids.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, fused=device.type == "cuda")
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32

    def step():
        with torch.autocast(device.type, dtype=dtype, enabled=precision == "bf16"):
            out = model(input_ids=ids, pixel_values=pixels)  # projected embeddings of both
        loss = contrastive_loss(
            out.image_embeds.float(), out.text_embeds.float(), model.logit_scale.exp()
        )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def step_flops(step) -> int:
    """FLOPs of one step (forward and backward; matrix products and attention)."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        step()
    return counter.get_total_flops()


def measure(device: torch.device, batch_size: int, steps: int, warmup: int) -> dict:
    import transformers

    model = clip_model(device)
    runs = {p: make_step(model, batch_size, p, device) for p in ("bf16", "fp32")}
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for run in runs.values():
        for _ in range(warmup):
            run()
    sync()
    seconds = {p: [] for p in runs}
    for _ in range(steps):  # interleaved: a slow phase of the device slows both alike
        for p, run in runs.items():
            t = time.perf_counter()
            run()
            sync()
            seconds[p].append(time.perf_counter() - t)
    flops = step_flops(runs["bf16"])
    best = {p: min(v) for p, v in seconds.items()}
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    return {
        "gpu_device": name,
        "gpu_date": time.strftime("%Y-%m-%d"),
        "gpu_torch": torch.__version__,
        "gpu_cuda": torch.version.cuda,
        "gpu_transformers": transformers.__version__,
        "gpu_model": "CLIP ViT-B/32 (transformers CLIPConfig defaults, random init)",
        "gpu_batch_size": batch_size,
        "gpu_step_s_bf16": best["bf16"],
        "gpu_step_s_fp32": best["fp32"],
        "gpu_images_per_s_bf16": batch_size / best["bf16"],
        "gpu_images_per_s_fp32": batch_size / best["fp32"],
        "gpu_bf16_speedup": best["fp32"] / best["bf16"],
        "gpu_step_tflop": flops / 1e12,
        "gpu_tflops_bf16": flops / best["bf16"] / 1e12,
    }


def save_clip_b32(directory: Path) -> Path:
    """A random-init ViT-B/32 CLIP saved like a hub checkpoint, with a character-level
    tokenizer (build_hf_clip loads one; the step is fed token ids directly)."""
    import string

    from transformers import CLIPConfig, CLIPModel, CLIPTokenizer

    directory.mkdir(parents=True, exist_ok=True)
    chars = list(string.ascii_lowercase + " ")
    vocab = {c: i for i, c in enumerate(chars)}
    vocab.update({c + "</w>": len(chars) + i for i, c in enumerate(chars)})
    vocab.update({"<|startoftext|>": len(vocab), "<|endoftext|>": len(vocab) + 1})
    (directory / "vocab.json").write_text(json.dumps(vocab))
    (directory / "merges.txt").write_text("#version: 0.2\n")
    CLIPTokenizer(str(directory / "vocab.json"), str(directory / "merges.txt")).save_pretrained(
        directory
    )
    torch.manual_seed(0)
    CLIPModel(CLIPConfig()).save_pretrained(directory)
    return directory


def method_setup(device: torch.device, batch_size: int, rounds: int, attention: str = "eager"):
    """The project's ViT-B/32 model on `device`, cached inputs of 4 × batch_size random images
    (half paired, four captions each), a 100-keyword bank (conf/base's vocabulary size), and
    `rounds` batches of each kind (step_speed.step_batches): clip_ft `batch_size` paired
    images, s_clip half paired and half unpaired. Random token ids: 32 a caption, about an
    RSICD caption's length in CLIP's tokens, 6 a keyword (one to four words)."""
    import tempfile

    from step_speed import step_batches

    from sclip.models import build_model
    from sclip.training.batch import TrainData
    from sclip.training.methods import KeywordBank

    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = str(save_clip_b32(Path(tmp)))
        params = {"backbone": "hf_clip", "checkpoint": checkpoint, "trainable": "all"}
        model = build_model({**params, "attention": attention}).to(device)
    g = torch.Generator().manual_seed(0)
    n, keywords = 4 * batch_size, 100
    vocab = 49408  # CLIPConfig's; the last id is its end-of-text token

    def tokens(rows, length):
        ids = torch.randint(0, vocab - 2, (rows, length), generator=g)
        ids[:, -1] = vocab - 1  # the text pool reads the end-of-text position
        return {"input_ids": ids, "attention_mask": torch.ones(rows, length, dtype=torch.long)}

    data = TrainData(
        torch.randint(0, 256, (n, 3, 224, 224), dtype=torch.uint8, generator=g),
        0,
        tokens(4 * n, 32),
        0,
        torch.arange(n // 2),
        [torch.arange(4 * i, 4 * i + 4) for i in range(n // 2)],
        torch.arange(n // 2, n),
    )
    bank = KeywordBank(tokens(keywords, 6), 0, torch.rand(4 * n, keywords, generator=g) > 0.95)
    paired_only, mixed = step_batches(data, rounds, size=batch_size)
    return model, data, bank, paired_only, mixed


def method_steps(
    device: torch.device,
    batch_size: int,
    steps: int,
    warmup: int,
    attentions: tuple[str, ...] = ("eager", "sdpa"),
) -> dict:
    """s_clip's and clip_ft's full fine-tuning steps through the training loop's own code
    (embed_batch, the methods' losses, AdamW), interleaved, a new batch each round; with
    eager attention (the default) and with `model.attention: sdpa`; then each step in parts."""
    from step_speed import _optimiser_step, phase_times
    from timing import paired_ratio, timings

    from sclip.training.methods import make_method

    out = {
        "gpu_train_step_model": "hf_clip ViT-B/32 (random init), trainable all, bf16 autocast",
        "gpu_train_step_batch_size": batch_size,
    }
    for attention in attentions:
        model, data, bank, paired_only, mixed = method_setup(
            device, batch_size, steps + warmup, attention
        )
        methods = {
            "clip_ft": make_method("clip_ft"),
            "s_clip": make_method("s_clip", keywords=bank),
        }
        batches = {"clip_ft": paired_only, "s_clip": mixed}
        runs = {
            k: _optimiser_step(model, data, m, batches[k], device, "bf16")
            for k, m in methods.items()
        }
        for _ in range(warmup):
            for run in runs.values():
                run()
        times = timings(runs, steps)
        suffix = "" if attention == "eager" else "_sdpa"
        out.update(
            {
                f"gpu_clip_ft_step_s{suffix}": min(times["clip_ft"]),
                f"gpu_s_clip_step_s{suffix}": min(times["s_clip"]),
                f"gpu_train_step_ratio{suffix}": paired_ratio(times, "s_clip", "clip_ft"),
            }
        )
        if attention == "eager":
            out["gpu_train_step_phases"] = {
                k: phase_times(model, data, m, batches[k][:steps], device, "bf16")
                for k, m in methods.items()
            }
        del model, runs
        if device.type == "cuda":
            torch.cuda.empty_cache()
    return out


def save(result: dict, out: Path) -> None:
    """Print `result` and merge it into `out`, replacing every earlier `gpu_*` figure (all of
    them come from one run and one device) and keeping the other scripts' figures."""
    print(json.dumps(result, indent=2), flush=True)
    earlier = json.loads(out.read_text()) if out.exists() else {}
    merged = {k: v for k, v in earlier.items() if not k.startswith("gpu_")}
    merged.update(result)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merged, indent=2))
    print(f"written: {out}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--attentions", nargs="+", default=["eager", "sdpa"], choices=["eager", "sdpa"]
    )
    parser.add_argument("--peak-tflops", type=float, default=None, help="the device's bf16 peak")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/speed.json")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("no CUDA device here; pass --device cpu for a smoke run")
    result = measure(device, args.batch_size, args.steps, args.warmup)
    peak = args.peak_tflops or (
        peak_tflops(result["gpu_device"]) if device.type == "cuda" else None
    )
    result["gpu_peak_tflops_bf16"] = peak
    result["gpu_peak_fraction"] = None if peak is None else result["gpu_tflops_bf16"] / peak
    save(result, args.out)  # the bare figures stay should the project's steps fail
    result.update(
        method_steps(device, args.batch_size, args.steps, args.warmup, tuple(args.attentions))
    )
    save(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
