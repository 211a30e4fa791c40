"""The image prior a campaign loads: a diffusers UNet2DModel in pixel space (or a user's diffusers folder,
fine-tuned with LoRA), and the CNN featuriser the reward model reads."""
