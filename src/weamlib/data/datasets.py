"""Real datasets: the manifest, checksum-verified fetching, and loaders over a data directory.

The manifest ``data/real_datasets.yml`` lists every dataset of the ``paper`` profile with
its official URLs, licence, files (path inside a data directory, download URL, sha256)
and archives. A *data directory* holds files in the layout of ``../shared/data``
(``xnli/dev-en.tsv``, ``mlqa/MLQA_V1/dev/...``, ``word_alignment/...``, ``parallel/...``).

Loaders look for a file in, in order: the ``data_dir`` they are given, else
``$WEAM_DATA_DIR`` or ``../shared/data`` (:func:`weamlib.core.paths.data_dir`), then the
download folder ``data/downloads/`` that :func:`fetch` fills by default.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import stat
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from weamlib.core.errors import ConfigError, DataFormatError, WeamError, quote
from weamlib.core.outdirs import fix_mode
from weamlib.core.paths import data_dir as default_data_dir
from weamlib.core.paths import repo_root
from weamlib.data import formats
from weamlib.data.formats import LinkSet, NLIExample, QAExample

XNLI_LANGS = ("en", "fr", "es", "de", "el", "bg", "ru", "tr", "ar", "vi", "th", "zh", "hi", "sw", "ur")  # fmt: skip
MLQA_LANGS = ("en", "es", "de", "ar", "hi", "vi", "zh")
XQUAD_LANGS = ("en", "es", "de", "el", "ru", "tr", "ar", "vi", "th", "zh", "hi", "ro")
UN_LANGS = ("ar", "es", "fr", "ru", "zh")  # each paired with English
TATOEBA_LANGS = (
    "ara", "bul", "cmn", "deu", "ell", "fra", "hin", "jpn", "rus", "spa", "swh", "tha", "tur",
    "urd", "vie",
)  # fmt: skip
# ISO 639-1 codes accepted for the Tatoeba (ISO 639-3) file names.
TATOEBA_ALIASES = {
    "ar": "ara", "bg": "bul", "zh": "cmn", "de": "deu", "el": "ell", "fr": "fra", "hi": "hin",
    "ja": "jpn", "ru": "rus", "es": "spa", "sw": "swh", "th": "tha", "tr": "tur", "ur": "urd",
    "vi": "vie",
}  # fmt: skip
SQUAD_TRANSLATE_LANGS = ("es", "de", "ar", "hi", "vi", "zh")  # XTREME translate-train
# OPUS-100 v1.0 languages the manifest covers (each paired with English) -> its entry.
OPUS100_ENTRIES = {
    **{lang: "opus100" for lang in ("ar", "de", "es", "hi", "vi", "zh")},
    **{lang: "opus100_xnli" for lang in ("bg", "el", "fr", "ru", "th", "tr", "ur")},
}
OPUS100_LANGS = tuple(sorted(OPUS100_ENTRIES))
PARACRAWL_LANGS = ("sw", "swh")  # ParaCrawl v9 en-sw (OPUS-100 has no Swahili)


@dataclass(frozen=True)
class GoldSet:
    """Where one gold alignment set lives and how its files are written."""

    text: str  # ``src ||| tgt`` file, relative to the data dir
    gold: str  # Pharaoh file
    one_based: bool


# Keys are in the files' own src-tgt order; the reversed name swaps sides.
# ja-en uses Cross-Align's clean UTF-8 copy (awesome-align's has mojibake on ~14 lines).
GOLD_SETS = {
    "de-en": GoldSet("word_alignment/cross-align/data/test.de-en", "word_alignment/cross-align/data/deen.talp", True),
    "en-fr": GoldSet("word_alignment/awesome-align/examples/enfr.src-tgt", "word_alignment/awesome-align/examples/enfr.gold", True),
    "ja-en": GoldSet("word_alignment/cross-align/data/test.ja-en", "word_alignment/cross-align/data/jaen.talp", False),
    "zh-en": GoldSet("word_alignment/awesome-align/examples/zhen.src-tgt", "word_alignment/awesome-align/examples/zhen.gold", True),
}  # fmt: skip

PARALLEL_SETS = ("un_v1.0", "tatoeba", "opus100", "paracrawl_en_sw")
DOWNLOAD_SCHEMES = ("https", "http", "file")


# --------------------------------------------------------------------------- manifest


def manifest_path() -> Path:
    return repo_root() / "data" / "real_datasets.yml"


def download_dir() -> Path:
    """Default folder for downloads: ``$WEAM_DOWNLOAD_DIR`` or ``<repo>/data/downloads``."""
    env = os.environ.get("WEAM_DOWNLOAD_DIR")
    return Path(env).expanduser().resolve() if env else repo_root() / "data" / "downloads"


@dataclass(frozen=True)
class RemoteFile:
    path: str  # relative to the data dir
    url: str | None
    sha256: str | None


@dataclass(frozen=True)
class Archive:
    url: str
    sha256: str | None
    format: str  # "zip" or "tar.gz"
    extract_to: str
    provides: tuple[str, ...]


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    licence: str
    official_urls: tuple[str, ...]
    files: tuple[RemoteFile, ...]
    archives: tuple[Archive, ...]
    alternative: str | None = (
        None  # another entry that can stand in when this one cannot be downloaded
    )

    @property
    def paths(self) -> tuple[str, ...]:
        """Every path the dataset provides, relative to a data dir."""
        return tuple(f.path for f in self.files) + tuple(
            p for a in self.archives for p in a.provides
        )

    @property
    def verified(self) -> bool:
        """Whether every downloadable part has a known sha256."""
        return all(f.sha256 for f in self.files if f.url) and all(a.sha256 for a in self.archives)


def _rel_path(value, where: str, path: Path) -> str:
    if not isinstance(value, str) or not value:
        raise DataFormatError(f"{where}: expected a relative path", path)
    pure = PurePosixPath(value)
    if pure.is_absolute() or ".." in pure.parts:
        raise DataFormatError(f"{where}: path {quote(value)} must stay inside the data dir", path)
    return value


def _sha(value, where: str, path: Path) -> str | None:
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or len(value) != 64
        or any(c not in "0123456789abcdef" for c in value)
    ):
        raise DataFormatError(f"{where}: sha256 must be 64 lowercase hex digits or null", path)
    return value


def load_manifest(path: str | Path | None = None) -> dict[str, Dataset]:
    """The manifest as ``{name: Dataset}``; malformed entries raise DataFormatError naming them."""
    path = Path(path) if path is not None else manifest_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise DataFormatError(f"bad YAML: {err}", path, mark.line + 1 if mark else None) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("datasets"), dict):
        raise DataFormatError("expected a top-level 'datasets' mapping", path)
    out = {}
    for name, entry in raw["datasets"].items():
        where = f"datasets.{name}"
        if not isinstance(entry, dict):
            raise DataFormatError(f"{where}: expected a mapping", path)
        files = []
        for k, f in enumerate(entry.get("files") or []):
            w = f"{where}.files[{k}]"
            if not isinstance(f, dict):
                raise DataFormatError(f"{w}: expected a mapping", path)
            files.append(
                RemoteFile(
                    _rel_path(f.get("path"), w, path), f.get("url"), _sha(f.get("sha256"), w, path)
                )
            )
        archives = []
        for k, a in enumerate(entry.get("archives") or []):
            w = f"{where}.archives[{k}]"
            if not isinstance(a, dict) or not isinstance(a.get("url"), str):
                raise DataFormatError(f"{w}: expected a mapping with a 'url'", path)
            if a.get("format") not in ("zip", "tar.gz"):
                raise DataFormatError(f"{w}: format must be 'zip' or 'tar.gz'", path)
            provides = tuple(_rel_path(p, f"{w}.provides", path) for p in a.get("provides") or [])
            if not provides:
                raise DataFormatError(
                    f"{w}: 'provides' must list the files the archive yields", path
                )
            archives.append(
                Archive(
                    url=a["url"],
                    sha256=_sha(a.get("sha256"), w, path),
                    format=a["format"],
                    extract_to=_rel_path(a.get("extract_to", "."), w, path),
                    provides=provides,
                )
            )
        if not files and not archives:
            raise DataFormatError(f"{where}: lists neither files nor archives", path)
        out[str(name)] = Dataset(
            name=str(name),
            title=str(entry.get("title", "")),
            licence=str(entry.get("licence", "")).strip(),
            official_urls=tuple(entry.get("official_urls") or ()),
            files=tuple(files),
            archives=tuple(archives),
            alternative=entry.get("alternative"),
        )
    return out


def _dataset(name: str, manifest: dict[str, Dataset] | None = None) -> Dataset:
    manifest = manifest if manifest is not None else load_manifest()
    if name not in manifest:
        raise ConfigError(f"unknown dataset {quote(name)}; known: {', '.join(manifest)}")
    return manifest[name]


# --------------------------------------------------------------------------- checksums


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


class ChecksumError(WeamError):
    """A file's sha256 is not the one the manifest records."""


class DownloadError(WeamError):
    """A download failed: the host cannot be reached, the server answers an error, the
    connection breaks."""


def verify_files(root: Path, files: tuple[RemoteFile, ...]) -> int:
    """Check the sha256 of each file under ``root`` whose checksum is known; returns how many."""
    checked = 0
    for f in files:
        if f.sha256 is None:
            continue
        got = sha256_file(root / f.path)
        if got != f.sha256:
            raise ChecksumError(
                f"{root / f.path}: sha256 {got} does not match the manifest's {f.sha256}"
            )
        checked += 1
    return checked


# --------------------------------------------------------------------------- fetch


def _roots(data_dir: str | Path | None) -> list[Path]:
    if data_dir is not None:
        path = Path(data_dir).expanduser()
        if not path.is_dir():
            raise FileNotFoundError(f"data directory {str(path)!r} does not exist")
        return [path]
    roots = [r for r in (default_data_dir(), download_dir()) if r is not None and r.is_dir()]
    return roots


def _has_all(root: Path, dataset: Dataset) -> bool:
    return all((root / p).is_file() for p in dataset.paths)


def available_real_datasets(data_dir: str | Path | None = None) -> dict[str, bool]:
    """``{name: present}`` for every manifest entry: whether a data dir holds all its files
    (no checksums computed; :func:`fetch` verifies them)."""
    try:
        roots = _roots(data_dir)
    except FileNotFoundError:
        roots = []
    return {name: any(_has_all(r, ds) for r in roots) for name, ds in load_manifest().items()}


def fetch(
    name: str,
    dest: str | Path | None = None,
    data_dir: str | Path | None = None,
    allow_unverified: bool = False,
    progress: bool = True,
) -> Path:
    """Make dataset ``name`` available; returns the data dir that holds its layout.

    If a local data dir (``data_dir``, else ``$WEAM_DATA_DIR`` / ``../shared/data``) has all
    its files, their sha256 are verified and that dir is returned (nothing is copied).
    Otherwise every file and archive is downloaded into ``dest`` (default
    ``data/downloads/``, git-ignored): to a temporary file, sha256-checked, then renamed;
    archives are extracted refusing absolute paths, ``..``, links that leave the folder
    and special files. A part without a known sha256 is refused unless
    ``allow_unverified``. Parts already present in ``dest`` with the right checksum are kept.
    """
    dataset = _dataset(name)
    local = [Path(data_dir).expanduser()] if data_dir is not None else [default_data_dir()]
    for root in local:
        if root is not None and root.is_dir() and _has_all(root, dataset):
            verify_files(root, dataset.files)
            return root
    if data_dir is not None and not Path(data_dir).expanduser().is_dir():
        raise FileNotFoundError(f"data directory {str(data_dir)!r} does not exist")
    if not allow_unverified and not dataset.verified:
        missing = [f.url for f in dataset.files if f.url and not f.sha256]
        missing += [a.url for a in dataset.archives if not a.sha256]
        raise WeamError(
            f"dataset {name!r}: no sha256 is recorded for {', '.join(missing)}; refusing to"
            " download unverified data (pass --allow-unverified / allow_unverified=True to accept it)"
        )
    dest = Path(dest).expanduser() if dest is not None else download_dir()
    underivable = [f.path for f in dataset.files if f.url is None and not (dest / f.path).is_file()]
    if underivable:
        instead = f"; fetch {dataset.alternative!r} instead" if dataset.alternative else ""
        raise WeamError(
            f"dataset {name!r}: {', '.join(underivable)} has no download URL (derived, see the"
            f" manifest); only a data dir (WEAM_DATA_DIR) can provide it{instead}"
        )
    _prepare_dest(dest, default=dest == download_dir())
    for f in dataset.files:
        target = dest / f.path
        if target.is_file() and (f.sha256 is None or sha256_file(target) == f.sha256):
            continue
        if f.url is not None:
            download(f.url, target, f.sha256, progress=progress)
    for a in dataset.archives:
        if all((dest / p).is_file() for p in a.provides):
            continue
        with tempfile.TemporaryDirectory(dir=dest, prefix=".archive-") as tmp:
            archive = Path(tmp) / ("archive.zip" if a.format == "zip" else "archive.tar.gz")
            download(a.url, archive, a.sha256, progress=progress)
            extract_archive(archive, dest / a.extract_to, a.format)
        absent = [p for p in a.provides if not (dest / p).is_file()]
        if absent:
            raise DataFormatError(f"archive {a.url} did not provide {', '.join(absent)}", dest)
    return dest


def _prepare_dest(dest: Path, default: bool) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    if default and not (dest / ".gitignore").exists():
        # Downloaded data must never be committed, whatever the top-level .gitignore says.
        (dest / ".gitignore").write_text("*\n", encoding="utf-8")


def download(url: str, target: str | Path, sha256: str | None, progress: bool = True) -> str:
    """Download ``url`` to ``target`` via a temporary file; verify ``sha256`` (if given)
    before the rename. Returns the sha256 of what was downloaded."""
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in DOWNLOAD_SCHEMES:
        raise ConfigError(f"URL {url!r}: scheme must be one of {', '.join(DOWNLOAD_SCHEMES)}")
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    digest = hashlib.sha256()
    try:
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
                total = response.headers.get("Content-Length")
                bar = _progress(total, url, progress)
                while block := response.read(1 << 20):
                    out.write(block)
                    digest.update(block)
                    bar.update(len(block))
                bar.close()
        except (
            urllib.error.URLError,
            http.client.HTTPException,
            TimeoutError,
            ConnectionError,
        ) as err:
            reason = getattr(err, "reason", None) or err
            raise DownloadError(f"{url}: download failed: {reason}") from None
        got = digest.hexdigest()
        if sha256 is not None and got != sha256:
            raise ChecksumError(
                f"{url}: downloaded sha256 {got} does not match the manifest's {sha256}"
            )
        if sha256 is None:
            print(f"warning: {url} is unverified; its sha256 is {got}")
        fix_mode(tmp)  # mkstemp makes it 0600
        os.replace(tmp, target)
        return got
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _progress(total, url: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(
        total=int(total) if total else None,
        unit="B",
        unit_scale=True,
        desc=url.rsplit("/", 1)[-1][:40],
        disable=None if enabled else True,
    )


# --------------------------------------------------------------------------- safe extraction


class UnsafeArchiveError(WeamError):
    """An archive member would land outside the destination folder, or is a special file."""


def _safe_member_path(name: str, archive: Path) -> PurePosixPath:
    normalised = name.replace("\\", "/")
    pure = PurePosixPath(normalised)
    if (
        pure.is_absolute()
        or normalised.startswith("/")
        or (len(normalised) > 1 and normalised[1] == ":")
    ):
        raise UnsafeArchiveError(f"{archive}: member {quote(name)} has an absolute path")
    if ".." in pure.parts:
        raise UnsafeArchiveError(f"{archive}: member {quote(name)} climbs out with '..'")
    return pure


def _inside(base: PurePosixPath, target: str) -> bool:
    """Whether ``target`` (relative to folder ``base`` inside the root) stays in the root."""
    if target.startswith("/"):
        return False
    depth = 0
    for part in list(base.parts) + list(PurePosixPath(target).parts):
        if part == "..":
            depth -= 1
            if depth < 0:
                return False
        elif part != ".":
            depth += 1
    return True


def _skipped(pure: PurePosixPath) -> bool:
    # macOS resource forks that zip tools on macOS add.
    return bool(pure.parts) and pure.parts[0] == "__MACOSX"


def check_archive(archive: str | Path, fmt: str) -> None:
    """Raise UnsafeArchiveError if any member of the archive is unsafe to extract."""
    archive = Path(archive)
    try:
        _check_members(archive, fmt)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError) as err:
        raise DataFormatError(f"not a readable {fmt} archive ({err})", archive) from None


def _check_members(archive: Path, fmt: str) -> None:
    if fmt == "zip":
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                _safe_member_path(info.filename, archive)
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise UnsafeArchiveError(
                        f"{archive}: member {quote(info.filename)} is a symbolic link"
                    )
    elif fmt == "tar.gz":
        with tarfile.open(archive, "r:gz") as tf:
            for m in tf.getmembers():
                pure = _safe_member_path(m.name, archive)
                if m.issym():
                    if not _inside(pure.parent, m.linkname):
                        raise UnsafeArchiveError(
                            f"{archive}: symlink {quote(m.name)} -> {quote(m.linkname)} points outside the folder"
                        )
                elif m.islnk():
                    if not _inside(PurePosixPath("."), m.linkname):
                        raise UnsafeArchiveError(
                            f"{archive}: hard link {quote(m.name)} -> {quote(m.linkname)} points outside the folder"
                        )
                elif not (m.isfile() or m.isdir()):
                    raise UnsafeArchiveError(
                        f"{archive}: member {quote(m.name)} is a device or fifo"
                    )
    else:
        raise ConfigError(f"archive format must be 'zip' or 'tar.gz', got {fmt!r}")


def extract_archive(archive: str | Path, dest: str | Path, fmt: str) -> list[Path]:
    """Extract ``archive`` into ``dest`` after :func:`check_archive`; returns the files written.

    Members are unpacked into a temporary folder next to ``dest`` and moved into place
    file by file, so a failure leaves no half-extracted tree behind.
    """
    archive, dest = Path(archive), Path(dest)
    check_archive(archive, fmt)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(dir=dest, prefix=".extract-") as tmp:
        if fmt == "zip":
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    if not _skipped(PurePosixPath(info.filename.replace("\\", "/"))):
                        zf.extract(info, tmp)
        else:
            with tarfile.open(archive, "r:gz") as tf:
                members = [m for m in tf.getmembers() if not _skipped(PurePosixPath(m.name))]
                try:
                    tf.extractall(tmp, members=members, filter="data")
                except tarfile.FilterError as err:
                    # e.g. a chain of links each inside the folder that together leave it
                    raise UnsafeArchiveError(f"{archive}: {err}") from None
        for src in sorted(Path(tmp).rglob("*")):
            if src.is_dir() and not src.is_symlink():
                continue
            target = dest / src.relative_to(tmp)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(src, target)
            written.append(target)
    return written


# --------------------------------------------------------------------------- loaders


def _check_lang(lang: str, valid: tuple[str, ...], what: str) -> None:
    if lang not in valid:
        raise ConfigError(f"unknown {what} language code {lang!r}; valid: {', '.join(valid)}")


def _check_split(split: str, valid: tuple[str, ...], what: str) -> None:
    if split not in valid:
        raise ConfigError(f"unknown {what} split {split!r}; valid: {', '.join(valid)}")


def find_file(
    relative: str | list[str], data_dir: str | Path | None = None, fetch_name: str = ""
) -> Path:
    """The first of the candidate paths found in the data dirs searched (see module doc).

    Raises FileNotFoundError naming what was searched and how to get it.
    """
    candidates = [relative] if isinstance(relative, str) else list(relative)
    roots = _roots(data_dir)
    if not roots:
        raise FileNotFoundError(
            "no real-data directory: set WEAM_DATA_DIR, place the data in ../shared/data,"
            f" or run `weamlib fetch {fetch_name or 'NAME'}`"
        )
    for rel in candidates:
        for root in roots:
            if (root / rel).is_file():
                return root / rel
    hint = f"; run `weamlib fetch {fetch_name}`" if fetch_name else ""
    raise FileNotFoundError(
        f"{' or '.join(candidates)} not found in {', '.join(str(r) for r in roots)}{hint}"
    )


def load_xnli(lang: str, split: str, data_dir: str | Path | None = None) -> list[NLIExample]:
    """XNLI ``dev`` (2490) or ``test`` (5010) examples in language ``lang``, labelled.

    Reads the XTREME per-language layout (``xnli/{split}-{lang}.tsv``; test labels from
    ``xnli/test_labels.tsv``), else the official ``XNLI-1.0/xnli.{split}.tsv``.
    """
    _check_lang(lang, XNLI_LANGS, "XNLI")
    _check_split(split, ("dev", "test"), "XNLI")
    try:
        path = find_file(f"xnli/{split}-{lang}.tsv", data_dir, "xnli")
    except FileNotFoundError:
        combined = find_file(f"XNLI-1.0/xnli.{split}.tsv", data_dir, "xnli")
        return formats.read_xnli_combined(combined, language=lang)
    labels = path.parent / "test_labels.tsv" if split == "test" else None
    if labels is not None and not labels.is_file():
        raise FileNotFoundError(
            f"{labels} (labels for {path.name}) is missing; run `weamlib fetch xnli`"
        )
    return formats.read_xnli_tsv(path, labels_path=labels)


def load_xnli_mt(lang: str, data_dir: str | Path | None = None) -> list[NLIExample]:
    """XNLI-MT 1.0 translate-train: MultiNLI train (392702 pairs) machine-translated into
    ``lang`` (``en``: the original English), labelled.

    Reads ``XNLI-MT-1.0/multinli/multinli.train.{lang}.tsv``: a ``premise\\thypo\\tlabel``
    header, then one example a row; label ``contradictory`` is read as ``contradiction``.
    """
    _check_lang(lang, XNLI_LANGS, "XNLI-MT")
    path = find_file(f"XNLI-MT-1.0/multinli/multinli.train.{lang}.tsv", data_dir, "xnli_mt")
    with open(path, "rb") as f:
        first = f.readline().decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r\n")
    header = [c.strip().lower() for c in first.split("\t")]
    if len(header) != 3 or header[0] != "premise" or header[2] != "label":
        raise DataFormatError(
            f"expected the header 'premise<TAB>hypo<TAB>label', got {quote(first)}", path, 1
        )
    return formats.read_xnli_tsv(path, has_header=True)


def load_multinli(split: str = "train", data_dir: str | Path | None = None) -> list[NLIExample]:
    """MultiNLI ``train``, ``dev_matched`` or ``dev_mismatched`` (labelled rows only)."""
    _check_split(split, ("train", "dev_matched", "dev_mismatched"), "MultiNLI")
    return formats.read_multinli_jsonl(
        find_file(f"multinli/multinli_1.0/multinli_1.0_{split}.jsonl", data_dir, "multinli")
    )


def load_squad(split: str = "train", data_dir: str | Path | None = None) -> list[QAExample]:
    """SQuAD v1.1 ``train`` or ``dev``."""
    _check_split(split, ("train", "dev"), "SQuAD")
    return formats.read_squad_json(find_file(f"squad/{split}-v1.1.json", data_dir, "squad_v1.1"))


def load_squad_translate_train(lang: str, data_dir: str | Path | None = None) -> list[QAExample]:
    """SQuAD v1.1 train machine-translated into ``lang`` by XTREME (translate-train;
    ``lang`` in es de ar hi vi zh), from
    ``squad/translate-train/squad.translate.train.en-{lang}.json``."""
    _check_lang(lang, SQUAD_TRANSLATE_LANGS, "SQuAD translate-train")
    return formats.read_squad_json(
        find_file(
            f"squad/translate-train/squad.translate.train.en-{lang}.json",
            data_dir,
            "squad_translate_train",
        )
    )


def load_mlqa(
    lang: str,
    split: str = "dev",
    data_dir: str | Path | None = None,
    question_lang: str | None = None,
) -> list[QAExample]:
    """MLQA v1 examples with contexts in ``lang`` (questions in ``question_lang``, default the same)."""
    _check_lang(lang, MLQA_LANGS, "MLQA")
    _check_lang(question_lang or lang, MLQA_LANGS, "MLQA")
    _check_split(split, ("dev", "test"), "MLQA")
    name = formats.mlqa_filename(split, lang, question_lang or lang)
    return formats.read_squad_json(find_file(f"mlqa/MLQA_V1/{split}/{name}", data_dir, "mlqa"))


def load_xquad(lang: str, data_dir: str | Path | None = None) -> list[QAExample]:
    """XQuAD (1190 questions) in ``lang``: the official files (with answers) when present,
    else XTREME's copy, whose answers are blanked (``answers == ()``)."""
    _check_lang(lang, XQUAD_LANGS, "XQuAD")
    path = find_file(
        [f"xquad_official/xquad.{lang}.json", f"xquad/xquad.{lang}.json"],
        data_dir,
        "xquad_official",
    )
    return formats.read_squad_json(path)


def load_tydiqa_en(split: str, data_dir: str | Path | None = None) -> list[QAExample]:
    """TyDiQA-GoldP English ``train`` (3696) or ``dev`` (440).

    Takes the English items of the official files when present (ids ``english-...``),
    else XTREME's English copy, whose dev answers are blanked.
    """
    _check_split(split, ("train", "dev"), "TyDiQA-GoldP")
    try:
        official = find_file(f"tydiqa_goldp/tydiqa-goldp-v1.1-{split}.json", data_dir)
    except FileNotFoundError:
        return formats.read_squad_json(
            find_file(f"tydiqa_goldp_en/tydiqa.goldp.en.{split}.json", data_dir, "tydiqa_goldp_en")
        )
    return [ex for ex in formats.read_squad_json(official) if ex.id.startswith("english")]


def load_gold_alignment(
    pair: str, data_dir: str | Path | None = None
) -> tuple[list[tuple[list[str], list[str]]], list[LinkSet]]:
    """A gold word-alignment set: ``(sentence pairs, gold LinkSets)``, 0-based, indices
    checked against the sentences.

    ``pair`` is one of de-en, en-fr, ja-en, zh-en (the files' own order: source first) or
    its reverse (en-de, ...), which swaps the sides of sentences and links.
    """
    key, swap = pair, False
    if pair not in GOLD_SETS:
        a, _, b = pair.partition("-")
        key, swap = f"{b}-{a}", True
    if key not in GOLD_SETS:
        valid = list(GOLD_SETS) + ["-".join(reversed(k.split("-"))) for k in GOLD_SETS]
        raise ConfigError(f"unknown gold alignment pair {pair!r}; valid: {', '.join(valid)}")
    spec = GOLD_SETS[key]
    pairs = formats.read_parallel(find_file(spec.text, data_dir, "gold_alignments"))
    gold_path = find_file(spec.gold, data_dir, "gold_alignments")
    gold = formats.read_pharaoh(
        gold_path, one_based=spec.one_based, lengths=[(len(s), len(t)) for s, t in pairs]
    )
    if swap:
        pairs = [(t, s) for s, t in pairs]
        gold = [g.swapped() for g in gold]
    return pairs, gold


def load_parallel_real(
    name: str,
    lang: str,
    split: str = "dev",
    data_dir: str | Path | None = None,
    tokenized: bool = True,
    limit: int | None = None,
) -> list[tuple[list[str], list[str]]] | list[tuple[str, str]]:
    """English-``lang`` sentence pairs, English first: ``(en, xx)``.

    ``name``:

    * ``"un_v1.0"``: lang in ar es fr ru zh; split dev or test; 4000 pairs.
    * ``"tatoeba"``: ISO 639-3 code or its 2-letter alias; one split (``split`` is ignored).
    * ``"opus100"``: OPUS-100 v1.0, lang in :data:`OPUS100_LANGS`; split train (up to 1M
      pairs), dev or test (2000 each). Files
      ``parallel/opus-100-corpus/v1.0/supervised/{pair}/opus.{pair}-{split}.{lang}``, where
      ``pair`` is the two codes in alphabetical order (``de-en`` but ``en-es``); fetched by
      manifest entry ``opus100`` (MLQA languages) or ``opus100_xnli`` (the others).
    * ``"paracrawl_en_sw"``: ParaCrawl v9 en-sw (lang ``sw``); one split (``split`` is ignored).

    ``limit``: read only the first ``limit`` pairs; the files are read line by line, so a
    1M-line OPUS train file is not loaded whole. With ``tokenized`` the sentences are split
    on ASCII spaces/tabs (Chinese, Japanese and Thai text is not segmented and comes back as
    long "tokens"; see :mod:`weamlib.data.wordsplit`), and an empty sentence is an error;
    otherwise the raw lines are returned. Files of different lengths raise DataFormatError
    (with ``limit``, only when the difference lies within the first ``limit`` lines).
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ConfigError(f"limit must be a non-negative integer or None, got {limit!r}")
    if name == "un_v1.0":
        _check_lang(lang, UN_LANGS, "UN corpus")
        _check_split(split, ("dev", "test"), "UN corpus")
        base = f"parallel/un_v1.0/{split}set/UNv1.0.{split}set"
        en_path = find_file(f"{base}.en", data_dir, "un_parallel")
        xx_path = find_file(f"{base}.{lang}", data_dir, "un_parallel")
    elif name == "tatoeba":
        code = TATOEBA_ALIASES.get(lang, lang)
        if code not in TATOEBA_LANGS:
            raise ConfigError(
                f"unknown Tatoeba language code {lang!r}; valid: {', '.join(TATOEBA_LANGS)}"
                f" (or {', '.join(TATOEBA_ALIASES)})"
            )
        base = f"parallel/tatoeba_laser_v1/tatoeba.{code}-eng"
        en_path = find_file(f"{base}.eng", data_dir, "tatoeba")
        xx_path = find_file(f"{base}.{code}", data_dir, "tatoeba")
    elif name == "opus100":
        _check_lang(lang, OPUS100_LANGS, "OPUS-100")
        _check_split(split, ("train", "dev", "test"), "OPUS-100")
        pair = "-".join(sorted(("en", lang)))
        base = f"parallel/opus-100-corpus/v1.0/supervised/{pair}/opus.{pair}-{split}"
        en_path = find_file(f"{base}.en", data_dir, OPUS100_ENTRIES[lang])
        xx_path = find_file(f"{base}.{lang}", data_dir, OPUS100_ENTRIES[lang])
    elif name == "paracrawl_en_sw":
        _check_lang(lang, PARACRAWL_LANGS, "ParaCrawl en-sw")
        base = "parallel/paracrawl_v9/ParaCrawl.en-sw"
        en_path = find_file(f"{base}.en", data_dir, "paracrawl_en_sw")
        xx_path = find_file(f"{base}.sw", data_dir, "paracrawl_en_sw")
    else:
        raise ConfigError(f"unknown parallel set {name!r}; valid: {', '.join(PARALLEL_SETS)}")
    return _read_bitext(en_path, xx_path, tokenized, limit)


def _iter_lines(path: Path) -> Iterator[str]:
    """The file's lines, read lazily, as :func:`formats.read_lines` gives them (UTF-8, BOM
    dropped, split on LF only, CR of CRLF dropped)."""
    with open(path, "rb") as f:
        for n, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DataFormatError(
                    f"not valid UTF-8 (byte {err.start} of the line)", path, n
                ) from None
            if n == 1 and line.startswith("\ufeff"):
                line = line[1:]
            if line.endswith("\n"):
                line = line[:-1]
            if line.endswith("\r"):
                line = line[:-1]
            yield line


def _read_bitext(
    en_path: Path, xx_path: Path, tokenized: bool, limit: int | None
) -> list[tuple[list[str], list[str]]] | list[tuple[str, str]]:
    """Two line-aligned files -> pairs, stopping after ``limit`` pairs."""
    pairs: list = []
    en_lines, xx_lines = _iter_lines(en_path), _iter_lines(xx_path)
    try:
        n = 0
        while limit is None or n < limit:
            en, xx = next(en_lines, None), next(xx_lines, None)
            if en is None and xx is None:
                break
            n += 1
            if en is None or xx is None:
                short, other = (en_path, xx_path) if en is None else (xx_path, en_path)
                raise DataFormatError(
                    f"line counts differ: {short} has {n - 1} lines, {other} has more",
                    short,
                    n,
                )
            if not tokenized:
                pairs.append((en, xx))
                continue
            en_tokens, xx_tokens = formats.split_tokens(en), formats.split_tokens(xx)
            for tokens, path in ((en_tokens, en_path), (xx_tokens, xx_path)):
                if not tokens:
                    raise DataFormatError("empty sentence", path, n)
            pairs.append((en_tokens, xx_tokens))
    finally:
        en_lines.close()
        xx_lines.close()
    return pairs
