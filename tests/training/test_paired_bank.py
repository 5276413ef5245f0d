"""The paired bank (option `paired_bank`): the caption pseudo-labels over every paired image
seen so far instead of the batch's, its state resumed from checkpoints, clear errors."""

from __future__ import annotations

import pytest
import torch

from sclip.training.batch import embed_batch
from sclip.training.loop import train
from sclip.training.methods import make_method
from sclip.training.paired_bank import PairedBank
from sclip.training.sampler import Batch
from tests.training.dist_helpers import keyword_bank
from tests.training.tiny_problem import data_and_eval, tiny_config, tiny_model
from tests.training.tiny_problem import stop_after as stop_after_steps

CPU = torch.device("cpu")


def batch(positions, data, caption_pick=0) -> Batch:
    positions = torch.tensor(positions)
    captions = torch.stack([data.captions_of[p][caption_pick] for p in positions.tolist()])
    return Batch(data.paired_images[positions], captions, data.unpaired_images[:8], positions)


def test_bank_records_captions_and_images_by_slot():
    bank = PairedBank(6)
    assert bank.record_captions(torch.tensor([4, 1]), torch.tensor([40, 10])).tolist() == [10, 40]
    emb = torch.tensor([[3.0, 0.0], [0.0, 2.0]])
    # slot order (ascending), normalised and detached
    assert bank.update_images(torch.tensor([4, 1]), emb.requires_grad_()).tolist() == [
        [0.0, 1.0],
        [1.0, 0.0],
    ]
    assert bank.record_captions(torch.tensor([1, 2]), torch.tensor([11, 20])).tolist() == [
        11,
        20,
        40,
    ]
    images = bank.update_images(torch.tensor([1, 2]), torch.tensor([[0.0, -1.0], [1.0, 1.0]]))
    assert not images.requires_grad
    torch.testing.assert_close(images[0], torch.tensor([0.0, -1.0]))  # slot 1 replaced
    torch.testing.assert_close(images[2], torch.tensor([1.0, 0.0]))  # slot 4 kept


def test_bank_errors_name_what_is_wrong():
    with pytest.raises(ValueError, match="at least one paired image"):
        PairedBank(0)
    bank = PairedBank(3)
    with pytest.raises(ValueError, match=r"positions must lie in \[0, 3\)"):
        bank.record_captions(torch.tensor([3]), torch.tensor([0]))
    with pytest.raises(ValueError, match="2 positions but 1 caption rows"):
        bank.record_captions(torch.tensor([0, 1]), torch.tensor([0]))
    with pytest.raises(ValueError, match="ckpt.pt: its paired bank has 3 slots .* 4 paired"):
        PairedBank(4).load_state_dict(bank.state_dict(), source="ckpt.pt")
    with pytest.raises(ValueError, match=r"ckpt.pt: its paired bank lacks \['images'\]"):
        PairedBank(3).load_state_dict({"size": 3, "caption_rows": bank.caption_rows}, "ckpt.pt")
    torn = {**bank.state_dict(), "caption_rows": torch.zeros(2, dtype=torch.long)}
    with pytest.raises(ValueError, match=r"caption_rows have shape \(2,\), expected \(3,\)"):
        PairedBank(3).load_state_dict(torn, "ckpt.pt")
    torn = {**bank.state_dict(), "images": torch.zeros(2, 4)}
    with pytest.raises(ValueError, match=r"images have shape \(2, 4\), expected \(3, "):
        PairedBank(3).load_state_dict(torn, "ckpt.pt")
    with pytest.raises(ValueError, match="s_clip: paired_bank must be true or false"):
        make_method("s_clip", paired_bank="yes")
    method = make_method("hard_pl", paired_bank=True)  # no start_bank: not silently in-batch
    model = tiny_model()
    data, _ = data_and_eval()
    step = embed_batch(model, data, batch([0, 1, 2, 3], data), CPU)
    with pytest.raises(ValueError, match="hard_pl: paired_bank needs the training loop's bank"):
        method.losses(model, step)


@pytest.mark.parametrize("name", ["hard_pl", "soft_pl", "s_clip"])
def test_first_step_equals_the_in_batch_pseudo_label(name):
    """Before any other batch the bank holds the batch's images alone (in slot order): the
    losses are the paper's in-batch ones."""
    options = {"keywords": keyword_bank()} if name == "s_clip" else {}
    if name == "soft_pl":
        options["softmax_temperature"] = 0.1
    data, _ = data_and_eval()
    b = batch([5, 0, 9, 3, 30, 12, 7, 21], data)
    losses = {}
    for use_bank in (False, True):
        model, method = tiny_model(), make_method(name, paired_bank=use_bank, **options)
        paired_bank = method.start_bank(len(data.paired_images))
        step = embed_batch(
            model, data, b, CPU, text_bank=method.text_bank(), paired_bank=paired_bank
        )
        losses[use_bank] = {k: v.item() for k, v in method.losses(model, step).items()}
    assert set(losses[True]) == set(losses[False])
    for k, v in losses[False].items():
        assert losses[True][k] == pytest.approx(v, rel=1e-4, abs=1e-6), k


def test_later_steps_choose_among_every_paired_image_seen():
    data, _ = data_and_eval()
    model, method = tiny_model(), make_method("s_clip", keywords=keyword_bank(), paired_bank=True)
    paired_bank = method.start_bank(len(data.paired_images))
    first, second = batch([0, 1, 2, 3], data), batch([4, 5, 6, 7], data, caption_pick=2)
    for b in (first, second):
        step = embed_batch(
            model, data, b, CPU, text_bank=method.text_bank(), paired_bank=paired_bank
        )
        parts = method.losses(model, step)
    assert method.last_targets.shape == (8, 8)  # 8 unpaired × the 8 slots filled
    torch.testing.assert_close(method.last_targets.sum(1), torch.full((8,), 1.0))
    expected_rows = torch.cat([first.captions, second.captions])  # slots 0..7 in order
    assert torch.equal(method.last_caption_rows, expected_rows)
    # the bank's captions carry gradient into the text head
    sum(parts.values()).backward()
    assert model.text_stages[1].proj.weight.grad.abs().sum() > 0


def test_bank_changes_training_and_resumes_to_the_same_result(tmp_path):
    from sclip.training.checkpoint import load_checkpoint

    data, _ = data_and_eval()

    def run(checkpoint_dir=None, stop_after=None, paired_bank=True):
        method = make_method("s_clip", keywords=keyword_bank(), paired_bank=paired_bank)
        if stop_after is not None:
            stop_after_steps(method, stop_after)
        return train(
            tiny_model(), data, tiny_config(), method, None, checkpoint_dir, progress=False
        )

    full = run()
    in_batch = run(paired_bank=False)
    assert full.history[-1]["caption"] != pytest.approx(in_batch.history[-1]["caption"])
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path, stop_after=4 + 2)  # 4 steps per epoch: killed in epoch 2
    saved = load_checkpoint(tmp_path / "last.pt")["paired_bank"]
    assert (saved["caption_rows"] >= 0).all()  # epoch 1 drew every paired image
    resumed = run(tmp_path)
    assert resumed.resumed_from == {"epoch": 1, "step": 0}
    for a, b in zip(full.history, resumed.history, strict=True):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-6)
    for k, v in full.state.items():
        torch.testing.assert_close(resumed.state[k], v)


def test_a_checkpoint_without_a_bank_is_refused(tmp_path):
    data, _ = data_and_eval()
    train(
        tiny_model(), data, tiny_config(1), make_method("hard_pl"), None, tmp_path, progress=False
    )
    with pytest.raises(ValueError, match="has no paired bank"):
        train(
            tiny_model(),
            data,
            tiny_config(2),
            make_method("hard_pl", paired_bank=True),
            None,
            tmp_path,
            progress=False,
        )
