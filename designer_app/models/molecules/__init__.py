"""The molecule prior a campaign loads: SELFIES vocabulary, the SELFIES autoencoder with its descriptor heads,
and MoleculePrior (the prior folder: latent denoiser + autoencoder + featuriser)."""
