"""The FFT convolution's original import path, kept because the engine's names are a contract;
the code lives in ``engine.conv.fft``."""

from engine.conv.fft import fft_backward, fft_forward, fft_size

__all__ = ["fft_backward", "fft_forward", "fft_size"]
