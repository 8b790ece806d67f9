"""Taking in a submission: a folder, a zip or a tar archive, copied safely into a scratch folder.

intake.py  copy or extract the files (regular files only, sizes capped) and locate each expected module
"""
