DETACH_WORKS: int
INTO_CGROUP_WORKS: int
CONFINE_WORKS: int

def spawn(
    candidates: list[bytes],
    argv: list[bytes],
    envp: list[bytes],
    cwd: bytes,
    fds: tuple[int, ...],
    join: list[bytes],
    rlimits: list[tuple[int, int, int]],
    detach: bool,
    into: int = -1,
    confine: object = None,
) -> tuple[int, int, object]: ...
def started(launch: object) -> bool: ...
def failure(launch: object) -> tuple[str, int] | None: ...
def usable() -> bool: ...
