"""The PocketSphinx recognizer: its bundled US English model, decoys and segmentation."""
