"""Data-parallel training on N processes through torch.distributed (gloo on CPU, NCCL on GPU).

Every rank draws the same global batch (the sampler is seeded), embeds its own slice, and
all-gathers the embeddings WITH gradient before the losses, as the reference does, so every
rank computes the loss of the whole global batch. The gradient of a rank's slice then arrives
W times (once from each rank's copy of the loss, summed by all_gather's backward) and the
replicated parts (logit scale, keyword embeddings) once per rank; averaging parameter
gradients over the W ranks therefore gives exactly the single-process gradient of the global
batch.

Workers are started with torch's elastic launcher (what `torchrun` uses), so the usual
torchrun environment (RANK, WORLD_SIZE, MASTER_ADDR, …) is how a worker finds its group."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.distributed as dist
import torch.distributed.nn.functional as dist_fn


@dataclass(frozen=True)
class DistributedConfig:
    """`training.distributed` parameters; nproc_per_node 1 and nnodes 1 mean no distribution."""

    nproc_per_node: int = 1
    nnodes: int = 1
    rdzv_endpoint: str = "localhost:29400"  # host:port of the rendezvous (node 0 for multi-node)
    rdzv_backend: str = "c10d"
    run_id: str = "sclip"
    backend: str = "auto"  # auto: nccl with CUDA, else gloo
    max_restarts: int = 0

    def __post_init__(self) -> None:
        for name in ("nproc_per_node", "nnodes"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(
                    f"Parameter 'distributed.{name}' must be an integer >= 1; got {value!r}"
                )
        if self.backend not in ("auto", "gloo", "nccl"):
            raise ValueError(
                f"Parameter 'distributed.backend' must be auto, gloo or nccl; got {self.backend!r}"
            )
        if ":" not in self.rdzv_endpoint:
            raise ValueError(
                "Parameter 'distributed.rdzv_endpoint' must be host:port; "
                f"got {self.rdzv_endpoint!r}"
            )

    @classmethod
    def from_params(cls, params: dict | None) -> DistributedConfig:
        params = dict(params or {})
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValueError(
                f"Unknown 'distributed' parameters {unknown}; expected some of {sorted(known)}"
            )
        return cls(**params)

    @property
    def enabled(self) -> bool:
        return self.nproc_per_node * self.nnodes > 1


def rank_and_world() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def is_main() -> bool:
    """Rank 0 (or no process group): the one process that writes checkpoints and outputs."""
    return rank_and_world()[0] == 0


def check_batch_split(paired_batch_size: int, unpaired_batch_size: int, world: int) -> None:
    """Both global batches must split evenly over `world` processes (`shard`)."""
    if world > 1:
        shard(torch.empty(paired_batch_size), 0, world, "paired")
        shard(torch.empty(unpaired_batch_size), 0, world, "unpaired")


def shard(rows: torch.Tensor, rank: int, world: int, what: str) -> torch.Tensor:
    """This rank's contiguous slice of a global batch (its size must split evenly)."""
    if len(rows) % world:
        raise ValueError(
            f"The {what} batch of {len(rows)} does not split over {world} processes; "
            f"make 'training.{what}_batch_size' a multiple of the number of processes"
        )
    per = len(rows) // world
    return rows[rank * per : (rank + 1) * per]


def gather(tensor: torch.Tensor | None, with_grad: bool = True) -> torch.Tensor | None:
    """All ranks' tensors concatenated in rank order; differentiable when with_grad."""
    rank, world = rank_and_world()
    if tensor is None or world == 1:
        return tensor
    if with_grad:
        return torch.cat(dist_fn.all_gather(tensor), dim=0)
    parts = [torch.empty_like(tensor) for _ in range(world)]
    dist.all_gather(parts, tensor.contiguous())
    return torch.cat(parts, dim=0)


def average_gradients(model: torch.nn.Module) -> None:
    """Mean of every trainable parameter's gradient over the ranks (see the module docstring)."""
    _, world = rank_and_world()
    if world == 1:
        return
    for p in model.parameters():
        if p.requires_grad:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
            dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
            p.grad /= world


def broadcast_flag(flag: bool, device: torch.device | None = None) -> bool:
    """Rank 0's value of a flag, on every rank (device: where NCCL wants it, this rank's GPU)."""
    _, world = rank_and_world()
    if world == 1:
        return flag
    on_gpu = dist.get_backend() == "nccl"
    t = torch.tensor([int(flag)], device=device if on_gpu else "cpu")
    dist.broadcast(t, 0)
    return bool(t.item())


def barrier() -> None:
    if rank_and_world()[1] > 1:
        dist.barrier()


def init_worker(backend: str = "auto") -> torch.device | None:
    """Join the process group from the torchrun environment; returns this rank's CUDA device
    (None on CPU). Splits the CPU threads between the local processes."""
    use_cuda = torch.cuda.is_available() and backend != "gloo"
    name = "nccl" if use_cuda and backend in ("auto", "nccl") else "gloo"
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", 1))
    if not use_cuda:
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // local_world))
    dist.init_process_group(name, init_method="env://")
    if use_cuda:
        torch.cuda.set_device(local_rank)
        return torch.device("cuda", local_rank)
    return None


def launch(config: DistributedConfig, entrypoint: Callable, *args):
    """Run `entrypoint(*args)` on nproc_per_node local processes (× nnodes through the
    rendezvous) with torch's elastic launcher; returns rank 0's return value on node 0."""
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch

    launch_config = LaunchConfig(
        min_nodes=config.nnodes,
        max_nodes=config.nnodes,
        nproc_per_node=config.nproc_per_node,
        run_id=config.run_id,
        rdzv_backend=config.rdzv_backend,
        rdzv_endpoint=config.rdzv_endpoint,
        max_restarts=config.max_restarts,
        start_method="spawn",
    )
    results = elastic_launch(launch_config, entrypoint)(*args)
    return results.get(0)  # global rank 0 runs on node 0; other nodes return None
