"""The block layer: bios, submit_bio(), disks and their stores, queue limits, device files, the write log."""
