"""The sequence priors a campaign loads (dna, protein, rna, any SequenceDomain): letter codes, the sequence
autoencoder with its property head, and SequencePrior (the prior folder)."""
