"""Writing files: atomically, never over a file netops did not write, and only where writing is possible.

Three things every command that writes files shares:

- :func:`write_atomic` writes one file through a temporary file and a rename, so an interrupted run never leaves
  a half-written file (only a hidden ``.netops-tmp-*`` file, which the next run into that folder removes).
- :func:`folder_problems` / :func:`file_problems` check an ``--out`` path before any work starts: a folder where a
  file is expected, a file where a folder is expected, a parent that is a file, a place that cannot be written.
- :func:`plan_folder` / :func:`write_folder` write a command's whole output folder under the ownership rule:
  the folder keeps a manifest (``.netops-manifest.json``) of every file the command wrote, with its content hash.
  Only a file listed there and unchanged since (its hash matches) may be overwritten or removed as stale; a file
  the command did not write, or one a person edited since, is never overwritten or removed unless ``--force``
  says so, and a non-empty folder without the command's manifest is refused unless ``--force``. The manifest is
  written before the files (listing the old and the new hash of each file about to change) and again after, so
  a run interrupted anywhere recognises its own files when it is run again, and converges.
"""

import errno
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from citynet_models.problems import Problem

#: The manifest of an output folder: which command wrote which files, with their sha256.
MANIFEST = ".netops-manifest.json"
#: Temporary files of :func:`write_atomic`; a leftover one is an interrupted write of netops' own.
TEMP_PREFIX = ".netops-tmp-"
_MANIFEST_VERSION = 1
#: How many foreign or conflicting files an error lists before "and N more".
_LISTED = 5
#: Foreign files counted in a folder before refusing it (the count then reads "1000+").
_COUNTED = 1000


def _read_umask() -> int:
    # The only way to read the umask is to set it: done once, at import, never while writer threads run (in the
    # window another thread's mkdir would get mode 0777).
    current = os.umask(0o022)
    os.umask(current)
    return current


_UMASK = _read_umask()


def write_atomic(path: Path, text: str, *, mode: int | None = None) -> bool:
    """Write text to path through a temporary file and a rename; return whether it changed.

    An unchanged file is not rewritten, so a re-run is a no-op and keeps timestamps. ``mode`` defaults to what
    any new file gets here (0666 less the umask).
    """
    return write_atomic_bytes(path, text.encode("utf-8"), mode=mode)


def write_atomic_bytes(path: Path, data: bytes, *, mode: int | None = None) -> bool:
    """:func:`write_atomic` for bytes (evidence files kept as they were produced)."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        # mkstemp creates 0600; a written file gets the mode any new file gets here (umask applies).
        Path(temporary).chmod(0o666 & ~_UMASK if mode is None else mode)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def digest(data: bytes | str) -> str:
    """The sha256 of a file's content, as the manifest keeps it."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


# --- checking an --out path before any work starts -------------------------------------------------------------


def _kind(path: Path) -> str:
    """What is at path, in words: 'a file (12 bytes)', 'a folder', 'a symbolic link that leads nowhere', ..."""
    try:
        mode = path.lstat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "nothing"  # (under a file: the caller finds that file among the path's ancestors)
    except OSError as error:
        return f"a path the system refuses ({error.strerror})"
    if stat.S_ISLNK(mode):
        try:
            path.stat()
        except OSError as error:
            looping = error.errno == errno.ELOOP
            return "a symbolic link loop" if looping else "a symbolic link that leads nowhere"
        return f"a symbolic link to {_kind(path.resolve())}"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return f"a file ({path.lstat().st_size} bytes)"
    for test, name in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "something that is neither a file nor a folder"


def _writable(folder: Path) -> str | None:
    """None when files can be created in the existing folder, else why not.

    Tried for real (a temporary folder made and removed at once): permission bits say nothing for root, for
    read-only mounts or for /proc.
    """
    try:
        probe = tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}probe-", dir=folder)
    except OSError as error:
        return error.strerror or str(error)
    Path(probe).rmdir()
    return None


def _existing_ancestor(path: Path) -> Path:
    """The nearest ancestor of a path that does not exist yet (a file or a broken link counts as existing)."""
    for parent in path.parents:
        if os.path.lexists(parent):
            return parent
    return Path()


def _creatable(path: Path, option: str, what: str) -> list[Problem]:
    """Problems with creating a path that does not exist yet, checked at its nearest existing ancestor."""
    ancestor = _existing_ancestor(path)
    kind = _kind(ancestor)
    if kind != "a folder" and not kind.startswith("a symbolic link to a folder"):
        return [Problem(path=(option,), message=f"cannot create {what} {path}: {ancestor} is not a folder",
                        expected=f"{ancestor} to be a folder (or not to exist)", found=f"{ancestor} is {kind}",
                        hint=f"choose another path with {option}, or move {ancestor} away")]
    reason = _writable(ancestor)
    if reason is not None:
        return [Problem(path=(option,), message=f"cannot create {what} {path}: nothing can be created in {ancestor}",
                        expected=f"a place where {what} can be created",
                        found=f"{ancestor} refuses new entries ({reason})",
                        hint=f"choose a writable place with {option}")]
    return []


def _unusable(path: Path, kind: str, option: str, what: str) -> list[Problem]:
    """The path cannot even be looked at (too long a name, no permission to search a parent folder)."""
    return [Problem(path=(option,), message=f"{path} cannot be used as {what}",
                    expected="a path the system can look up and write", found=f"{path} is {kind}",
                    hint=f"give a shorter or accessible path with {option}")]


def folder_problems(path: Path, option: str = "--out") -> list[Problem]:
    """What is wrong with writing an output folder at path (empty when nothing is)."""
    kind = _kind(path)
    if kind.startswith("a path the system refuses"):
        return _unusable(path, kind, option, "the output folder")
    if kind == "nothing":
        return _creatable(path, option, "the output folder")
    if kind == "a folder" or kind.startswith("a symbolic link to a folder"):
        reason = _writable(path)
        if reason is None:
            return []
        return [Problem(path=(option,), message=f"cannot write into the output folder {path}",
                        expected="a folder netops can write into", found=f"{path}: {reason}",
                        hint=f"choose a writable folder with {option}, or fix the folder's permissions")]
    return [Problem(path=(option,), message=f"the output folder {path} is not a folder",
                    expected="a folder (or a path where one can be created)", found=f"{path} is {kind}",
                    hint=f"{option} names the folder the files go into; give a folder's path"
                         + (", not a file's" if "file" in kind else ""))]


def file_problems(path: Path, option: str = "--out") -> list[Problem]:
    """What is wrong with writing an output file at path (empty when nothing is)."""
    kind = _kind(path)
    if kind.startswith("a path the system refuses"):
        return _unusable(path, kind, option, "the output file")
    if kind == "nothing":
        return _creatable(path, option, "the output file")
    if kind.startswith(("a file", "a symbolic link to a file")):
        reason = _writable(path.resolve().parent)
        if reason is None:
            return []
        return [Problem(path=(option,), message=f"cannot write the output file {path}",
                        expected="a file in a folder netops can write into",
                        found=f"{path.resolve().parent}: {reason}",
                        hint=f"choose a writable place with {option}, or fix the folder's permissions")]
    folder = kind == "a folder" or kind.startswith("a symbolic link to a folder")
    return [Problem(path=(option,), message=f"the output file {path} is not a regular file",
                    expected="a file (or a path where one can be created)", found=f"{path} is {kind}",
                    hint=f"give a file's path, e.g. {option} {path / 'network.yml'}" if folder else
                    f"give the path of a regular file with {option} (or leave {option} out to write to stdout)")]


def write_problem(path: Path, error: OSError, option: str = "--out") -> Problem:
    """An OSError met while writing output, as a problem a person can act on."""
    where = Path(error.filename) if error.filename else path
    code = errno.errorcode.get(error.errno or 0, "no errno")
    return Problem(path=(option,), message=f"writing the output at {where} failed",
                   expected="a place netops can write into, with room to spare",
                   found=f"{error.strerror or error} ({code})",
                   hint="free space or fix permissions, then run the command again: it finishes what is left "
                        "and rewrites nothing that is already right")


# --- single output files ---------------------------------------------------------------------------------------


def file_conflict(path: Path, text: str, *, ours: Callable[[str], bool], command: str,
                  option: str = "--out") -> Problem | None:
    """A problem when writing text to path would overwrite a file this command did not write.

    The file may be replaced when it is missing, already holds text, or ``ours`` recognises its content as an
    earlier output of the command (the shape only it writes). Anything else is refused: the caller offers
    ``--force``.
    """
    found: str
    try:
        current = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        found = f"{path}, which cannot be read as text ({error})"
    else:
        if current == text or ours(current):
            return None
        found = f"{path} ({len(current.encode('utf-8'))} bytes), not written by `netops {command}`"
    return Problem(path=(option,), message=f"{path} exists and `netops {command}` did not write it",
                   expected=f"a new file, or one `netops {command}` wrote earlier", found=found,
                   hint=f"choose another file with {option}, or add --force to overwrite it")


# --- output folders --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Manifest:
    """What a command wrote into a folder: relative path -> sha256, plus the hashes of a run in progress."""

    command: str
    files: dict[str, str]
    pending: dict[str, str] = field(default_factory=dict)

    def recognises(self, relative: str, sha: str) -> bool:
        """Whether content with this hash at this path is the command's own (written now or by an earlier run)."""
        return sha in (self.files.get(relative), self.pending.get(relative))

    def owns(self, relative: str) -> bool:
        """Whether the command wrote a file at this path."""
        return relative in self.files or relative in self.pending

    def text(self) -> str:
        """The manifest file's content, stable so that an unchanged manifest is not rewritten."""
        document: dict[str, object] = {"netops_manifest": _MANIFEST_VERSION, "command": self.command,
                                       "files": dict(sorted(self.files.items()))}
        if self.pending:
            document["pending"] = dict(sorted(self.pending.items()))
        return json.dumps(document, indent=1, sort_keys=True) + "\n"


class _UnreadableManifestError(Exception):
    """The manifest is there but not one netops wrote (or it was damaged)."""


def read_manifest(folder: Path) -> Manifest | None:
    """The folder's manifest, None when it has none; raises _UnreadableManifestError for a damaged one."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise _UnreadableManifestError(str(error)) from error
    if not isinstance(data, dict) or data.get("netops_manifest") != _MANIFEST_VERSION:
        raise _UnreadableManifestError("not a netops manifest")
    files, pending, command = data.get("files"), data.get("pending", {}), data.get("command")
    if not (isinstance(files, dict) and isinstance(pending, dict) and isinstance(command, str)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in (*files.items(), *pending.items()))):
        raise _UnreadableManifestError("not a netops manifest")
    return Manifest(command, dict(files), dict(pending))


@dataclass
class FolderPlan:
    """What writing a command's output into a folder will do; computed before anything is touched."""

    folder: Path
    command: str
    #: relative path -> text, for files that are new or changed.
    writes: dict[str, str]
    #: files already holding what would be written.
    unchanged: list[str]
    #: files the command wrote earlier and no longer produces (unchanged since): removed.
    stale: list[str]
    #: the manifest before the run (None: none yet), what the run starts from, and the manifest after it.
    before: Manifest | None
    previous: Manifest
    after: Manifest
    #: relative path -> sha256 of the files about to be replaced that are the command's own.
    replaced: dict[str, str] = field(default_factory=dict)
    #: leftover temporary files of an interrupted run, removed.
    leftovers: list[Path] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        """Whether the run writes or removes anything."""
        return bool(self.writes or self.stale or self.leftovers) or self.before is None \
            or self.before.text() != self.after.text()


@dataclass
class FolderResult:
    """What writing a folder did."""

    written: list[str]
    unchanged: list[str]
    removed: list[str]


def _listing(items: list[str], total: int) -> str:
    shown = ", ".join(items[:_LISTED])
    return shown + (f" and {total - _LISTED} more" if total > _LISTED else "")


def _walk_files(folder: Path) -> Iterator[str]:
    """Relative paths of every entry under folder that is not a folder (links included, not followed)."""
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        base = Path(root).relative_to(folder)
        linked = [name for name in dirs if (Path(root) / name).is_symlink()]  # listed, never followed
        for name in sorted(files + linked):
            yield (base / name).as_posix()


def plan_folder(folder: Path, files: Mapping[str, str], *, command: str, force: bool = False,
                keep: Callable[[str], bool] | None = None, adopt: Mapping[str, str] | None = None,
                option: str = "--out") -> FolderPlan:
    """Decide what writing ``files`` (relative path -> text) into ``folder`` does, or refuse.

    ``keep(relative)`` says which files the command wrote earlier and does not produce this time must stay (a
    partial run, e.g. rendering one device); every other such file is stale and removed. ``adopt`` lists files
    to treat as the command's own when the folder has no manifest yet (relative path -> sha256): the folder is
    then taken for the command's output of an earlier netops, which kept no manifest. Raises InputError listing
    every conflict; nothing is written then.
    """
    from netops.errors import InputError  # here: netops.errors imports nothing of ours, keep it that way

    try:
        manifest = read_manifest(folder)
    except _UnreadableManifestError as error:
        if not force:
            raise InputError([Problem(
                path=(option,), message=f"the manifest of {folder} cannot be read, so netops cannot tell which "
                                        "files there it wrote",
                expected=f"{folder / MANIFEST} as netops writes it", found=str(error),
                hint=f"add --force to write into {folder} anyway (files netops would write are overwritten, "
                     f"no other file is removed), or choose an empty folder with {option}")]) from error
        manifest = None
    if manifest is not None and manifest.command != command:
        if not force:
            raise InputError([Problem(
                path=(option,), message=f"{folder} holds the output of `netops {manifest.command}`",
                expected=f"an empty folder, or one `netops {command}` wrote", found=f"{folder / MANIFEST} "
                f"lists {len(manifest.files)} files written by `netops {manifest.command}`",
                hint=f"choose another folder with {option}, or add --force to write there anyway")])
        manifest = None
    previous = manifest or Manifest(command, dict(adopt or {}))
    problems: list[Problem] = []
    writes: dict[str, str] = {}
    replaced: dict[str, str] = {}
    unchanged: list[str] = []
    edited: list[str] = []
    foreign: list[str] = []
    blocked: list[str] = []
    root = os.fspath(folder)
    # Whether each sub-folder the output needs is a folder or absent (a few per run: checked once each).
    in_the_way: dict[str, str | None] = {}

    def blocking(sub: str) -> str | None:
        if sub not in in_the_way:
            above = sub.rpartition("/")[0]
            found = blocking(above) if above else None
            if found is None and os.path.lexists(folder / sub) and not (folder / sub).is_dir():
                found = f"{sub} is {_kind(folder / sub)}, where a folder is needed"
            in_the_way[sub] = found
        return in_the_way[sub]

    # Plain os calls on strings: this runs once per file, 9,000 files for a whole city's configs, and Path
    # objects made 90% of its time.
    for relative, text in sorted(files.items()):
        sub = relative.rpartition("/")[0]
        problem = blocking(sub) if sub else None
        if problem is not None:
            if problem not in blocked:
                blocked.append(problem)
            continue
        path = f"{root}/{relative}"
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            writes[relative] = text
            continue
        if not stat.S_ISREG(mode):
            blocked.append(f"{relative} is {_kind(folder / relative)}, where a file is needed")
            continue
        with open(path, "rb") as handle:  # noqa: PTH123 - a Path per file costs more than the read here
            current = handle.read()
        if current == text.encode("utf-8"):
            unchanged.append(relative)
            continue
        writes[relative] = text
        if previous.recognises(relative, digest(current)):
            replaced[relative] = digest(current)
            continue
        (edited if previous.owns(relative) else foreign).append(relative)
    stale: list[str] = []
    carried: dict[str, str] = {}
    for relative in sorted(set(previous.files) | set(previous.pending)):
        if relative in files:
            continue
        target = folder / relative
        sha = previous.files.get(relative) or previous.pending[relative]
        if keep is not None and keep(relative):
            carried[relative] = sha
            continue
        if not target.is_file() or target.is_symlink():
            continue  # gone already (or replaced by something that is not ours): nothing to remove
        if force or previous.recognises(relative, digest(target.read_bytes())):
            stale.append(relative)
        else:
            edited.append(relative)
    if blocked:
        problems.append(Problem(
            path=(option,), message=f"{len(blocked)} output path{'s' if len(blocked) != 1 else ''} in {folder} "
                                    "cannot be written, even with --force",
            expected="files where netops writes files, folders where it needs folders",
            found=_listing(blocked, len(blocked)), hint=f"move those away, or choose another folder with {option}"))
    if edited and not force:
        problems.append(Problem(
            path=(option,), message=f"{len(edited)} file{'s' if len(edited) != 1 else ''} `netops {command}` wrote "
                                    f"in {folder} {'were' if len(edited) != 1 else 'was'} changed since",
            expected="files as netops wrote them (their sha256 is in the manifest)",
            found=_listing(edited, len(edited)),
            hint="keep your changes elsewhere (the next run would overwrite or remove these files), or add --force "
                 "to overwrite them"))
    if not force:
        if manifest is None and not adopt:
            # A folder netops never wrote into: refused as soon as it holds anything that is not what this run
            # would write anyway (an interrupted first run, or an output written before manifests existed).
            foreign = []
            total = 0
            ours = {*unchanged, *replaced, *stale, *edited}  # (edited ones are reported on their own)
            for relative in _walk_files(folder) if folder.is_dir() else ():
                if Path(relative).name.startswith(TEMP_PREFIX) or relative == MANIFEST or relative in ours:
                    continue
                total += 1
                if len(foreign) < _LISTED:
                    foreign.append(relative)
                if total == _COUNTED:
                    break  # enough to refuse: a home folder given by mistake is not walked to its end
            if total:
                problems.append(Problem(
                    path=(option,), message=f"{folder} is not empty and `netops {command}` did not write it",
                    expected=f"an empty folder, or one `netops {command}` wrote (it has {MANIFEST})",
                    found=f"{total} file{'s' if total != 1 else ''} netops did not write: {_listing(foreign, total)}"
                    if total < _COUNTED else f"{_COUNTED} or more files netops did not write: {', '.join(foreign)}, "
                                             "...",
                    hint=f"choose an empty or new folder with {option}, or add --force to write there anyway "
                         "(files netops would write are overwritten, no other file is touched)"))
        elif foreign:
            problems.append(Problem(
                path=(option,), message=f"{len(foreign)} file{'s' if len(foreign) != 1 else ''} in {folder} would "
                                        f"be overwritten, and `netops {command}` did not write "
                                        f"{'them' if len(foreign) != 1 else 'it'}",
                expected="no file in the way of the output, or one netops wrote",
                found=_listing(foreign, len(foreign)),
                hint=f"move them away, choose another folder with {option}, or add --force to overwrite them"))
    if problems:
        raise InputError(problems)
    produced = {relative: digest(text) for relative, text in files.items()}
    after = Manifest(command, {**carried, **produced})
    subs = {relative.rpartition("/")[0] for relative in files}
    leftovers = sorted({p for d in {folder, *(folder / sub for sub in subs if sub)} if d.is_dir()
                        for p in d.glob(f"{TEMP_PREFIX}*") if p.is_file()})
    return FolderPlan(folder, command, writes, unchanged, stale, manifest, previous, after, replaced, leftovers)


def write_folder(plan: FolderPlan, *, workers: int = 1, mode: int | None = None) -> FolderResult:
    """Carry out a plan: manifest (with the pending hashes), files, stale removals, final manifest.

    An OSError is raised as it comes (the caller reports it with :func:`write_problem`); the files written until
    then are listed in the manifest, so the next run recognises them.
    """
    folder = plan.folder
    if plan.changes:
        folder.mkdir(parents=True, exist_ok=True)
        # Until the run ends, a file about to change is the command's own with its old content or its new one.
        previous = plan.previous
        pending = Manifest(plan.command, {**plan.after.files, **previous.files, **plan.replaced},
                           {**previous.pending, **{r: plan.after.files[r] for r in plan.writes}})
        if plan.writes or plan.stale:
            write_atomic(folder / MANIFEST, pending.text())
        for leftover in plan.leftovers:
            leftover.unlink(missing_ok=True)

        def write(item: tuple[str, str]) -> bool:
            return write_atomic(folder / item[0], item[1], mode=mode)

        if workers > 1 and len(plan.writes) > 1:
            # Imported here: most commands write no folder, and threads (with logging) cost start-up time.
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(write, plan.writes.items()))
        else:
            for item in plan.writes.items():
                write(item)
        for relative in plan.stale:
            (folder / relative).unlink(missing_ok=True)
        write_atomic(folder / MANIFEST, plan.after.text())
    return FolderResult(written=sorted(plan.writes), unchanged=plan.unchanged, removed=plan.stale)

