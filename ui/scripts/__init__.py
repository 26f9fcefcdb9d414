"""The script editor: outline, YAML with validation as you type, versions, a preview runner."""
