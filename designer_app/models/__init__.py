"""What a campaign loads to propose, fit and fine-tune: the diffusion engine (core.protocols.Engine), latent
diffusion sampling with its per-step KL, the denoisers, SEIKO fine-tuning, the reward ensemble and its bonus,
the evolution baseline, and prior folders (priors.py); each prior family in its sub-package (molecules/,
sequences/, images/). Offline training lives in designer_app.pretraining, which nothing here imports."""
