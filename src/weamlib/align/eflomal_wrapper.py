"""eflomal (Östling & Tiedemann 2016) with Python data in and out.

The PyPI package ships the ``eflomal`` binary; this module writes its input files,
runs it and reads both directions back as ``(src, tgt)`` link lists.

Seeding: the binary draws its random state from ``/dev/urandom`` and has no seed
option. With ``seed`` given, a tiny ``LD_PRELOAD`` shim (``eflomal_seed.c``, compiled
once with the system C compiler into the run store's ``_tools/`` folder) replaces those
bytes with a stream derived from the seed, and the run uses one OpenMP thread
(its samplers draw their states in thread-scheduling order otherwise). Then the same
seed gives the same links. Without a C compiler the run is not reproducible and
``info["deterministic"]`` says so.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from weamlib.core.errors import ConfigError
from weamlib.core.paths import cache_dir

Link = tuple[int, int]
SHIM_SOURCE = Path(__file__).with_name("eflomal_seed.c")


@dataclass(frozen=True)
class EflomalConfig:
    """eflomal's options. ``model``: 1 IBM1, 2 +HMM, 3 +fertility. ``n_iterations``: per model
    stage, or None for eflomal's own schedule from ``rel_iterations`` and the corpus size."""

    model: int = 3
    n_samplers: int = 3
    null_prior: float = 0.2
    rel_iterations: float = 1.0
    n_iterations: tuple[int, int, int] | None = None

    def __post_init__(self):
        if self.model not in (1, 2, 3):
            raise ConfigError(f"eflomal.model must be 1, 2 or 3, got {self.model!r}")
        if not isinstance(self.n_samplers, int) or self.n_samplers < 1:
            raise ConfigError(f"eflomal.n_samplers must be an int >= 1, got {self.n_samplers!r}")
        if not 0.0 < self.null_prior < 1.0:
            raise ConfigError(f"eflomal.null_prior must lie in (0, 1), got {self.null_prior!r}")
        if self.rel_iterations <= 0:
            raise ConfigError(f"eflomal.rel_iterations must be > 0, got {self.rel_iterations!r}")
        if self.n_iterations is not None:
            its = tuple(self.n_iterations)
            if len(its) != 3 or any(not isinstance(k, int) or k < 0 for k in its) or its[0] < 1:
                raise ConfigError(
                    f"eflomal.n_iterations must be 3 non-negative ints (first >= 1), got {its!r}"
                )
            object.__setattr__(self, "n_iterations", its)

    def as_dict(self) -> dict:
        return asdict(self)

    def schedule(self, n_sentences: int) -> tuple[int, int, int]:
        """Iterations per stage; eflomal's default schedule when ``n_iterations`` is None."""
        if self.n_iterations is not None:
            return self.n_iterations
        iters = max(2, int(round(self.rel_iterations * 5000 / math.sqrt(max(n_sentences, 1)))))
        iters4 = max(1, iters // 4)
        if self.model == 1:
            return (iters, 0, 0)
        if self.model == 2:
            return (max(2, iters4), iters, 0)
        return (max(2, iters4), iters4, iters)


def eflomal_binary() -> Path:
    import eflomal

    path = Path(eflomal.__file__).with_name("bin") / "eflomal"
    if not path.is_file():
        raise FileNotFoundError(f"the eflomal binary is missing at {path}; reinstall eflomal")
    return path


def seed_shim() -> Path | None:
    """The compiled seeding shim (built once, atomically), or None without a C compiler."""
    source = SHIM_SOURCE.read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:12]
    target = cache_dir() / "_tools" / f"eflomal_seed-{digest}.so"
    if target.is_file():
        return target
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".so.tmp")
    os.close(fd)
    try:
        subprocess.run(
            [cc, "-shared", "-fPIC", "-O2", "-o", tmp, str(SHIM_SOURCE), "-ldl"],
            check=True,
            capture_output=True,
        )
        os.replace(tmp, target)
    except (subprocess.CalledProcessError, OSError):
        Path(tmp).unlink(missing_ok=True)
        return None
    return target


def _read_links(path: Path, n: int) -> list[list[Link]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) != n:
        raise RuntimeError(f"eflomal wrote {len(lines)} alignment lines for {n} sentences")
    out = []
    for line in lines:
        links = []
        for tok in line.split():
            a, b = tok.split("-")
            links.append((int(a), int(b)))
        out.append(links)
    return out


def eflomal_align(
    pairs: Sequence[tuple[Sequence[str], Sequence[str]]],
    cfg: EflomalConfig | None = None,
    seed: int | None = 0,
) -> tuple[list[list[Link]], list[list[Link]], dict]:
    """Align both directions: (forward links, reverse links, info), links as ``(src, tgt)``.

    Forward gives each source word at most one target word, reverse each target word at
    most one source word (the FastAlign model's convention; eflomal's own file names are
    the other way round). ``pairs``: tokenised ``(src, tgt)`` sentences, none empty. ``seed=None`` lets eflomal
    seed itself from the system (and use every core).
    """
    import eflomal

    cfg = cfg or EflomalConfig()
    n = len(pairs)
    if n == 0:
        return [], [], {"deterministic": True, "n_iterations": [0, 0, 0]}
    schedule = cfg.schedule(n)
    env = dict(os.environ)
    deterministic = False
    if seed is not None:
        shim = seed_shim()
        if shim is None:
            warnings.warn(
                "no C compiler found: eflomal runs unseeded (not reproducible)", stacklevel=2
            )
        else:
            env["LD_PRELOAD"] = (
                f"{shim} {env['LD_PRELOAD']}" if env.get("LD_PRELOAD") else str(shim)
            )
            env["WEAMLIB_EFLOMAL_SEED"] = str(int(seed))
            env["OMP_NUM_THREADS"] = "1"
            deterministic = True
    with tempfile.TemporaryDirectory(prefix="weam-eflomal-") as tmpdir:
        tmp = Path(tmpdir)
        with open(tmp / "src", "wb") as srcf, open(tmp / "tgt", "wb") as tgtf:
            eflomal.Aligner(model=cfg.model).prepare_files(
                (" ".join(s) + "\n" for s, _ in pairs),
                srcf,
                (" ".join(t) + "\n" for _, t in pairs),
                tgtf,
                None,
                None,
            )
        args = [
            str(eflomal_binary()),
            "-m",
            str(cfg.model),
            "-s",
            str(tmp / "src"),
            "-t",
            str(tmp / "tgt"),
            "-n",
            str(cfg.n_samplers),
            "-N",
            str(cfg.null_prior),
            "-1",
            str(schedule[0]),
            "-f",
            str(tmp / "fwd"),
            "-r",
            str(tmp / "rev"),
            "-q",
        ]
        if cfg.model >= 2:
            args += ["-2", str(schedule[1])]
        if cfg.model >= 3:
            args += ["-3", str(schedule[2])]
        proc = subprocess.run(args, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(
                f"eflomal failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}"
            )
        # eflomal's "forward" model generates target words (each target word gets at most one
        # link); this module's forward is fast_align's: each *source* word gets at most one.
        fwd = _read_links(tmp / "rev", n)
        rev = _read_links(tmp / "fwd", n)
    return fwd, rev, {"deterministic": deterministic, "n_iterations": list(schedule)}
