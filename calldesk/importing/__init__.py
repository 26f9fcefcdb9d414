"""The importer: call lists and event follow-ups in, phone-aware, deduplicated, all or nothing.

What the import wizard and the command line call:

- :func:`sniff_file` / :func:`with_overrides` / :func:`iter_batches` (readers): how a file is
  laid out (encoding, delimiter, rows above the header, sheets) and a preview;
- :func:`guess_mapping`, :func:`resolve_mapping`, :func:`list_presets`, :func:`save_mapping`,
  :func:`saved_mappings` and :data:`FIELDS` (mapping): which column holds what;
- :func:`import_file` with :class:`ImportOptions`, a progress callback and a cancel event
  (pipeline, run): the import itself, returning an :class:`ImportResult`;
- :class:`PhoneNormalizer` / :func:`parse_phone` (phones) and :func:`find_by_phone` (lookup).
"""

from calldesk.importing.lookup import find_by_phone
from calldesk.importing.mapping import (
    FIELDS,
    ColumnMapping,
    MappingError,
    guess_mapping,
    list_presets,
    load_preset,
    resolve_mapping,
    save_mapping,
    saved_mappings,
)
from calldesk.importing.pipeline import import_file
from calldesk.importing.readers import (
    FileLayout,
    ReaderError,
    iter_batches,
    read_all,
    sniff_file,
    with_overrides,
)
from calldesk.importing.run import (
    SOURCES,
    ImportCancelled,
    ImportOptions,
    ImportProgress,
    ImportRefused,
    ImportResult,
)
from calldesk.phones import PhoneInfo, PhoneNormalizer, parse_phone

__all__ = [
    "FIELDS",
    "SOURCES",
    "ColumnMapping",
    "FileLayout",
    "ImportCancelled",
    "ImportOptions",
    "ImportProgress",
    "ImportRefused",
    "ImportResult",
    "MappingError",
    "PhoneInfo",
    "PhoneNormalizer",
    "ReaderError",
    "find_by_phone",
    "guess_mapping",
    "import_file",
    "iter_batches",
    "list_presets",
    "load_preset",
    "parse_phone",
    "read_all",
    "resolve_mapping",
    "save_mapping",
    "saved_mappings",
    "sniff_file",
    "with_overrides",
]
