"""Output sizes of sliding windows (convolution and pooling), shared by every layer.

``engine.functional.output_size`` is this function; it lives here so that the kernels in
``engine.conv`` and ``engine.pool`` can use it without importing ``functional``.
"""

from __future__ import annotations


def output_size(n: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """⌊(n + 2p − k)/s⌋ + 1, the length of a convolution or pooling output along one axis."""
    if stride < 1:
        raise ValueError(f"stride must be at least 1, got {stride}")
    if padding < 0:
        raise ValueError(f"padding cannot be negative, got {padding}")
    if kernel < 1:
        raise ValueError(f"kernel size must be at least 1, got {kernel}")
    size = (n + 2 * padding - kernel) // stride + 1
    if size < 1:
        raise ValueError(
            f"a kernel of {kernel} does not fit in {n} pixels with padding {padding}: "
            f"({n} + 2·{padding} − {kernel})/{stride} + 1 < 1"
        )
    return size
