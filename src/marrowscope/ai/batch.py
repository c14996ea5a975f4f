"""A backlog of slides analysed in parallel: on Ray when it is installed, else processes.

One task per slide folder. A worker reads the folder's images and does the heavy part:
the cell classifier and the thumbnails (``classify_slide``, folders of single-cell
images), or the detector, the crops and the classifier (``analyze_slide``, folders of
smear field images); it returns plain values and touches no database, so the
caller files each slide through the same service as an upload (``services.ai_review``),
one transaction per slide. A failed task is tried again up to ``retries`` times, then
reported; the other slides go on.

Ray (Apache-2.0, ``marrowscope[cluster]``) is used for ``address`` (``ray://HOST:PORT``
or ``auto``) or when it is importable; without it a local process pool with the same
interface runs the slides, so a lab without Ray still gets parallel batches.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from marrowscope.ai.input_files import read_image_file
from marrowscope.domain.ai_review import FieldCells, ModelCall
from marrowscope.domain.errors import InvalidInput

__all__ = [
    "SlideCells",
    "SlideFailed",
    "SlideFields",
    "analyze_slide",
    "classify_slide",
    "ray_available",
    "run_slides",
]


@dataclass(frozen=True, slots=True)
class SlideCells:
    """The classifier's output for one slide folder, in file order."""

    folder: str
    names: tuple[str, ...]
    calls: tuple[ModelCall | str, ...]  # the error text where an image is unreadable
    thumbnails: tuple[bytes | None, ...]


@dataclass(frozen=True, slots=True)
class SlideFields:
    """The field pipeline's output for one slide folder of field images, in file order.

    ``fields[i]`` is the i-th image's white cells, or the one-line reason it was refused;
    ``calls`` holds the classifier's answer for every crop of every field, in order.
    """

    folder: str
    names: tuple[str, ...]
    fields: tuple[FieldCells | str, ...]
    calls: tuple[ModelCall | str, ...]
    detector_name: str
    detector_version: str


@dataclass(frozen=True, slots=True)
class SlideFailed:
    """A slide whose task failed on every try; ``reason`` is the last error in one line."""

    folder: str
    reason: str
    tries: int


_REVIEWER: dict[str, Any] = {}


def classify_slide(folder: str, model_dir: str | None, threads: int | None = 1) -> SlideCells:
    """Classify every image of ``folder`` (one worker's task; the model loads once per process)."""
    from marrowscope.ai.data import iter_image_files
    from marrowscope.domain.errors import InvalidImage

    reviewer = _reviewer(model_dir, threads)
    files = iter_image_files([Path(folder)])
    if not files:
        raise InvalidInput(f"{folder}: no images")
    data = [read_image_file(f) for f in files]
    calls = reviewer.classify(data)
    thumbnails: list[bytes | None] = []
    for image, call in zip(data, calls, strict=True):
        try:
            thumbnails.append(None if isinstance(call, str) else reviewer.thumbnail(image))
        except InvalidImage:
            thumbnails.append(None)
    return SlideCells(folder, tuple(f.name for f in files), tuple(calls), tuple(thumbnails))


_FINDER: dict[str, Any] = {}


def analyze_slide(folder: str, model_dir: str | None, threads: int | None = 1) -> SlideFields:
    """Detect, crop and classify the white cells of every field image of ``folder``.

    One worker's task; the detector and the classifier load once per process. Where the
    detector refuses an image its reason travels back in place of the cells.
    """
    from marrowscope.ai.data import iter_image_files
    from marrowscope.ai.field_cells import DetectorFieldCellFinder
    from marrowscope.domain.errors import InvalidImage

    classifier = _reviewer(model_dir, threads)
    key = f"{threads}"
    if key not in _FINDER:
        _FINDER[key] = DetectorFieldCellFinder(threads=threads)
    finder: DetectorFieldCellFinder = _FINDER[key]
    files = iter_image_files([Path(folder)])
    if not files:
        raise InvalidInput(f"{folder}: no images")
    fields: list[FieldCells | str] = []
    for f in files:
        try:
            fields.append(finder.find(read_image_file(f), f.name))
        except InvalidImage as error:
            fields.append(str(error).removeprefix(f"{f.name}: "))
    crops = [c.crop for found in fields if not isinstance(found, str) for c in found.white_cells]
    calls = classifier.classify(crops) if crops else []
    return SlideFields(
        folder,
        tuple(f.name for f in files),
        tuple(fields),
        tuple(calls),
        finder.detector_name,
        finder.detector_version,
    )


def _reviewer(model_dir: str | None, threads: int | None) -> Any:
    """The cell classifier of this process, loaded on first use."""
    from marrowscope.ai.cell_review import ModelCellReviewer

    key = f"{model_dir}:{threads}"
    if key not in _REVIEWER:
        _REVIEWER[key] = ModelCellReviewer.load(Path(model_dir) if model_dir else None, threads)
    return _REVIEWER[key]


def ray_available() -> bool:
    """Whether the optional ``ray`` package is installed."""
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


def _check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """Refuse at once an address where nothing listens.

    Ray itself keeps retrying an unreachable head for minutes before it gives up; an
    operator who mistyped a port should hear so in seconds. ``auto`` (find the local
    cluster) is left to Ray.
    """
    target = address.removeprefix("ray://")
    if target == "auto":
        return
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise InvalidInput(f"--address {address!r}: give HOST:PORT or ray://HOST:PORT")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
            pass
    except OSError as error:
        raise InvalidInput(
            f"cannot reach the Ray cluster at {address}: {error.strerror or error}"
        ) from None


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[-1] if text else ''}"


Result = TypeVar("Result", bound=SlideCells | SlideFields)


def run_slides(
    work: Callable[[str], Result],
    folders: Sequence[str],
    *,
    workers: int,
    retries: int,
    address: str | None = None,
    use_ray: bool | None = None,
) -> Iterator[Result | SlideFailed]:
    """Run ``work`` once per folder on ``workers`` processes; results as they finish."""
    if workers < 1:
        raise InvalidInput(f"--workers must be at least 1, got {workers}")
    if retries < 0:
        raise InvalidInput(f"--retries must not be negative, got {retries}")
    ray_wanted = use_ray if use_ray is not None else (address is not None or ray_available())
    if address is not None and not ray_available():
        raise InvalidInput(
            "--address needs Ray: pip install 'marrowscope[cluster]' (or use --workers N)"
        )
    if ray_wanted:
        yield from _on_ray(work, folders, workers, retries, address)
    else:
        yield from _on_processes(work, folders, workers, retries)


def _apply(work: Callable[[str], Result], folder: str) -> Result:
    """``work(folder)`` (Ray's remote decorator takes a plain function, not a partial)."""
    return work(folder)


def _on_processes(
    work: Callable[[str], Result], folders: Sequence[str], workers: int, retries: int
) -> Iterator[Result | SlideFailed]:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        running: dict[Future[Result], tuple[str, int]] = {
            pool.submit(work, f): (f, 1) for f in folders
        }
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                folder, tries = running.pop(future)
                error = future.exception()
                if error is None:
                    yield future.result()
                elif tries <= retries:
                    running[pool.submit(work, folder)] = (folder, tries + 1)
                else:
                    yield SlideFailed(folder, _one_line(error), tries)


def _on_ray(
    work: Callable[[str], Result],
    folders: Sequence[str],
    workers: int,
    retries: int,
    address: str | None,
) -> Iterator[Result | SlideFailed]:
    import ray

    started = not ray.is_initialized()
    if started:
        if address is None:
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        else:
            _check_reachable(address)
            try:
                ray.init(address=address, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as error:
                raise InvalidInput(
                    f"cannot reach the Ray cluster at {address}: {_one_line(error)}"
                ) from None
    try:
        apply: Any = _apply  # one remote function for either kind of slide
        task: Any = ray.remote(num_cpus=1, max_retries=retries, retry_exceptions=True)(apply)
        pending = {task.remote(work, f): f for f in folders}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                folder = pending.pop(ref)
                try:
                    yield ray.get(ref)
                except Exception as error:  # noqa: BLE001 - reported per slide, the rest go on
                    cause = getattr(error, "cause", None) or error
                    yield SlideFailed(folder, _one_line(cause), retries + 1)
    finally:
        if started:
            ray.shutdown()
