"""Designer: SEIKO design campaigns (Uehara et al., ICML 2024) for molecules, DNA, RNA, proteins and images,
headless and desktop."""

__version__ = "0.1.0"
