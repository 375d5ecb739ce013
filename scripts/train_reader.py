"""Train the reading layer's classifiers and write kb/data/reader-*.npz.

    python scripts/train_reader.py                 # train on writers a, b and c plus our own corpus
    python scripts/train_reader.py --check          # also print leave-one-writer-out accuracy

The held-out writers (corpus/reading/writer-f, writer-g) are never read here: their documents measure the
result (`python bench/reading.py`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest import parse_document  # noqa: E402
from kb.embeddings import make_embedder  # noqa: E402
from kb.reading.doc_kind import DOC_FEATURES, KINDS, document_features  # noqa: E402
from kb.reading.features import FEATURES, ROLES, passage_features, section_means  # noqa: E402
from kb.reading.labels import LabelledSet, unit_roles  # noqa: E402
from kb.reading.roles import MODEL_PATH  # noqa: E402
from kb.records import Unit  # noqa: E402
from kb.vectors import unit_input  # noqa: E402

TRAIN_WRITERS = ("writer-a", "writer-b", "writer-c", "writer-h", "writer-i", "writer-j", "writer-k")
SCALE = 3.0  # unit vectors are small per dimension: scaled so regularisation does not drown them (3 best of 1, 3, 10 leaving each writer out)
OWN_WEIGHT = 0.3  # our own corpus is labelled by its headings: many units, weaker labels
EXEMPLAR_WEIGHT = 0.2  # kb/data/pattern-exemplars.jsonl: our writing, labelled one by one (0.2 best of 0-1, writers a and b left out in turn)
EXEMPLARS = ROOT / "kb" / "data" / "pattern-exemplars.jsonl"
_OWN = {
    "lesson": "lesson",
    "root_cause": "root_cause",
    "recommendation": "recommendation",
    "decision": "decision",
    "constraint": "constraint",
    "risk": "risk",
    "criteria": "criteria",
    "timeline": "timeline",
    "config": "config",
    "prompt": "prompt",
    "summary": "context",
    "impact": "context",
    "context": "context",
}


def parse(path: Path):  # type: ignore[no-untyped-def]
    return parse_document(path.read_bytes(), source=str(path))[0]


def own_label(kind: str, text: str) -> str | None:
    import re

    role = _OWN.get(kind)
    if role == "decision" and re.search(r"\bgate ?[0-3]\b|pilot exit|go/no", text, re.I):
        return "gate"
    if role == "criteria" and re.search(r"baseline|achieved|actual|\bkpi\b", text, re.I):
        return "kpi"
    return role


def collect(embedder, corpus: Path):  # type: ignore[no-untyped-def]
    """Rows of (vector, features, role, weight, group) for units, and document-level rows."""
    units_x, sec_x, feats, roles, weights, groups = [], [], [], [], [], []
    doc_x, doc_y, doc_groups = [], [], []

    def add_doc(doc, labels: dict[int, str], weight: float, group: str, kind: str | None) -> None:  # type: ignore[no-untyped-def]
        texts = [unit_input(doc.title, u) for u in doc.units]
        vectors = embedder.embed(texts) if texts else np.zeros((0, embedder.dim), np.float32)
        sections = section_means(doc.units, vectors)
        for i, role in labels.items():
            units_x.append(vectors[i])
            sec_x.append(sections[i])
            feats.append(passage_features(doc.units[i]))
            roles.append(role)
            weights.append(weight)
            groups.append(group)
        if kind:
            doc_x.append(document_features(doc, vectors))
            doc_y.append(kind)
            doc_groups.append(group)

    for writer in TRAIN_WRITERS:
        labelled = LabelledSet.load(corpus / "reading" / writer)
        for name, record in labelled.expected.items():
            path = labelled.docs / name
            if not path.exists():
                continue
            doc = parse(path)
            mine = [p for p in labelled.passages if p.file == name]
            add_doc(doc, unit_roles(doc.units, mine), 1.0, writer, record.get("kind"))
    for folder, kind in (("postmortems", "postmortem"), ("handoffs", "handoff")):
        for path in sorted((corpus / folder).iterdir()):
            doc = parse(path)
            labels = {i: r for i, u in enumerate(doc.units) if (r := own_label(u.kind, u.text))}
            add_doc(doc, labels, OWN_WEIGHT, "own", kind)
    # the tagger's exemplars: passages with a kind and no heading, as in e-mails and chat exports
    exemplars = [json.loads(line) for line in EXEMPLARS.read_text("utf-8").splitlines() if line]
    units = [Unit(_OWN.get(r["kind"], "context"), r["text"], "(preamble)", 1, 1) for r in exemplars]
    for u in units:
        u.form, u.heading_kind = "paragraph", "other"
    vectors = embedder.embed([unit_input("Postmortem", u) for u in units])
    for i, u in enumerate(units):
        units_x.append(vectors[i])
        sec_x.append(vectors[i])  # each stands alone, as a one-passage section would
        feats.append(passage_features(u))
        roles.append(u.kind)
        weights.append(EXEMPLAR_WEIGHT)
        groups.append("exemplars")
    charter_dirs = [corpus / "charters", corpus / "charters" / "extra"]
    charter_dirs += [corpus / "charters" / "writers" / w for w in ("writer-d", "writer-e")]
    for folder in charter_dirs:
        for path in sorted(folder.iterdir()):
            if path.suffix in (".md", ".txt"):
                add_doc(parse(path), {}, OWN_WEIGHT, "charters", "charter")
    return (
        (
            np.hstack([np.array(units_x), np.array(sec_x)]),
            np.array(feats),
            np.array(roles),
            np.array(weights),
            np.array(groups),
        ),
        (np.array(doc_x), np.array(doc_y), np.array(doc_groups)),
    )


def fit(x, y, w, c: float):  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    model.fit(x, y, sample_weight=w)
    return model


def padded(model, classes: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Coefficients in the order of `classes`; a class never seen gets a very low bias."""
    w = np.zeros((len(classes), model.coef_.shape[1]), dtype=np.float32)
    b = np.full(len(classes), -30.0, dtype=np.float32)
    for i, name in enumerate(model.classes_):
        j = classes.index(str(name))
        w[j], b[j] = model.coef_[i], model.intercept_[i]
    return w, b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="print leave-one-writer-out accuracy")
    parser.add_argument("--c", type=float, default=0.3, help="inverse regularisation strength")
    parser.add_argument(
        "--without",
        default=None,
        help="leave this training writer out (to score it with bench/reading.py as if unseen)",
    )
    args = parser.parse_args()
    embedder = make_embedder("onnx", cache_dir=None)
    (vx, fx, y, w, g), (dx, dy, dg) = collect(embedder, ROOT / "corpus")
    if args.without:
        keep, keep_doc = g != args.without, dg != args.without
        vx, fx, y, w, g = vx[keep], fx[keep], y[keep], w[keep], g[keep]
        dx, dy, dg = dx[keep_doc], dy[keep_doc], dg[keep_doc]
    full = np.hstack([vx * SCALE, fx])
    print(f"{len(y)} labelled units ({(g != 'own').sum()} from writers), {len(dy)} documents")
    if args.check:
        for c in (0.3, 1.0, 3.0):
            for held in TRAIN_WRITERS:
                train = g != held
                for name, x in (("full", full), ("features", fx)):
                    m = fit(x[train], y[train], w[train], c)
                    acc = (m.predict(x[~train]) == y[~train]).mean()
                    print(f"C={c:<4} held out {held}: {name:<8} role accuracy {acc:.3f}")
                m = fit(dx[dg != held], dy[dg != held], None, c)
                acc = (m.predict(dx[dg == held]) == dy[dg == held]).mean()
                print(f"C={c:<4} held out {held}: document kind accuracy {acc:.3f}")
    m_full = fit(full, y, w, args.c)
    m_feat = fit(fx, y, w, args.c)
    w_full, b_full = padded(m_full, ROLES)
    w_feat, b_feat = padded(m_feat, ROLES)
    np.savez_compressed(
        MODEL_PATH,
        classes=np.array(ROLES),
        features=np.array(FEATURES),
        model=np.array(embedder.name),
        scale=np.array(SCALE),
        w_full=w_full,
        b_full=b_full,
        w_feat=w_feat,
        b_feat=b_feat,
    )
    m_doc = fit(dx, dy, None, args.c)
    w_doc, b_doc = padded(m_doc, KINDS)
    np.savez_compressed(
        MODEL_PATH.with_name("reader-kinds.npz"),
        classes=np.array(KINDS),
        features=np.array(DOC_FEATURES),
        model=np.array(embedder.name),
        w=w_doc,
        b=b_doc,
    )
    print(f"wrote {MODEL_PATH} and reader-kinds.npz")


if __name__ == "__main__":
    main()
