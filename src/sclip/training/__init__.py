"""Fine-tuning: losses, batch sampling, optimiser and schedule, checkpoints, the loop."""
