"""Training settings, parsed from parameters with errors that name the parameter."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from sclip.training.augment import check_crop_scale

SELECT_METRICS = ("zero_shot_top1", "mean_recall_one", "mean_recall_all", "last")
PRECISIONS = ("fp32", "bf16", "auto")


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation of one method (reference: AdamW 5e-5, cosine, 10 warm-up steps, wd 0.2)."""

    epochs: int = 10
    paired_batch_size: int = 64
    unpaired_batch_size: int = 0
    lr: float = 5e-4
    # lr of the towers' trained blocks (not their projection heads); null: `lr`.
    image_tower_lr: float | None = None
    text_tower_lr: float | None = None
    weight_decay: float = 0.2
    warmup_steps: int = 10
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    max_logit_scale: float = 100.0
    seed: int = 0
    device: str = "auto"
    select_metric: str = "zero_shot_top1"
    # Stop once `patience` epochs have passed without a better val score (null: run all
    # epochs). The batches and the lr schedule stay those of the full run, so a stopped run
    # is a prefix of it; only epochs after the selected one are left out.
    patience: int | None = None
    num_threads: int = 0  # 0: leave torch's default
    # bf16: the towers run under autocast (GPUs, CPUs with AVX512/AMX); the losses, the OT
    # and the optimiser stay fp32. auto: bf16 where it is fast, else fp32 (device.fast_bf16).
    precision: str = "fp32"
    # torch.compile the image tower's trainable stages (sclip.training.compile): ~1.8× faster
    # RSICD steps on the CPU after ~20 s of compiling; not worth it for heads only.
    compile: bool = False
    # The reference's RandomResizedCrop(224, scale=(s, 1)) on the cached feature maps of the
    # training images (training/augment.py): s, or null for no augmentation.
    feature_crop_scale: float | None = None
    # false: crop only the unpaired images (the pseudo-labels' inputs), the paired ones stay
    # whole; their boxes are still drawn so the unpaired ones are those of a run cropping all.
    feature_crop_paired: bool = True

    def __post_init__(self) -> None:
        def check(name, ok, expected):
            if not ok:
                raise ValueError(
                    f"Parameter 'training.{name}' must be {expected}; got {getattr(self, name)!r}"
                )

        check("epochs", _int(self.epochs) and self.epochs >= 1, "an integer >= 1")
        check(
            "paired_batch_size",
            _int(self.paired_batch_size) and self.paired_batch_size >= 2,
            "an integer >= 2",
        )
        check(
            "unpaired_batch_size",
            _int(self.unpaired_batch_size) and self.unpaired_batch_size >= 0,
            "an integer >= 0",
        )
        check("lr", isinstance(self.lr, (int, float)) and self.lr > 0, "a positive number")
        for name in ("image_tower_lr", "text_tower_lr"):
            value = getattr(self, name)
            ok = value is None or (isinstance(value, (int, float)) and value > 0)
            check(name, ok and not isinstance(value, bool), "a positive number or null")
        check(
            "weight_decay",
            isinstance(self.weight_decay, (int, float)) and self.weight_decay >= 0,
            "a number >= 0",
        )
        check("warmup_steps", _int(self.warmup_steps) and self.warmup_steps >= 0, "an integer >= 0")
        check("max_logit_scale", self.max_logit_scale > 1, "a number > 1")
        check("select_metric", self.select_metric in SELECT_METRICS, f"one of {SELECT_METRICS}")
        check(
            "patience",
            self.patience is None or (_int(self.patience) and self.patience >= 1),
            "an integer >= 1 or null",
        )
        if self.patience is not None and self.select_metric == "last":
            raise ValueError(
                "Parameter 'training.patience' stops on the val score of "
                "'training.select_metric', which is 'last' (no score): set patience to null "
                "or select on a metric"
            )
        check("precision", self.precision in PRECISIONS, f"one of {PRECISIONS}")
        check("compile", isinstance(self.compile, bool), "true or false")
        check_crop_scale(self.feature_crop_scale)
        check("feature_crop_paired", isinstance(self.feature_crop_paired, bool), "true or false")
        if not self.feature_crop_paired and self.feature_crop_scale is None:
            raise ValueError(
                "Parameter 'training.feature_crop_paired' is false, which keeps crops off the "
                "paired images, but 'training.feature_crop_scale' is null (no crops at all): "
                "set a crop scale or leave feature_crop_paired true"
            )
        check(
            "device",
            self.device == "auto" or self.device.split(":")[0] in ("cpu", "cuda", "mps"),
            "'auto', 'cpu' or 'cuda[:N]'",
        )

    @classmethod
    def from_params(cls, params: dict) -> TrainConfig:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(params) - names)
        if unknown:
            raise ValueError(
                f"Unknown 'training' parameters {unknown}; expected some of {sorted(names)}"
            )
        params = dict(params)
        if "betas" in params:
            params["betas"] = tuple(params["betas"])
        return cls(**params)

    def to_dict(self) -> dict:
        return asdict(self)

    def identity(self) -> dict:
        """The settings that name a run's checkpoint folder: to_dict() without the settings
        added later while they hold their defaults, so runs from before them keep their folders."""
        out = self.to_dict()
        for name, default in LATER_DEFAULTS.items():
            if out[name] == default:
                del out[name]
        return out


# Settings added after checkpoints were named, with the defaults that leave a run unchanged.
LATER_DEFAULTS = {"patience": None, "feature_crop_scale": None, "feature_crop_paired": True}


def _int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
