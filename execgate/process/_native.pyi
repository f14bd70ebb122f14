def spawn(
    candidates: list[bytes],
    argv: list[bytes],
    envp: list[bytes],
    cwd: bytes,
    fds: tuple[int, ...],
    join: list[bytes],
    rlimits: list[tuple[int, int, int]],
) -> int: ...
def usable() -> bool: ...
