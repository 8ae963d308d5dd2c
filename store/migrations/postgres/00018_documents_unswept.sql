-- The daily job sweeps the contents of withdrawn documents not yet swept: a partial
-- index holds just those rows, so that the sweep's first query reads a handful of index
-- entries instead of every document.

-- +goose Up
CREATE INDEX IF NOT EXISTS idx_documents_unswept ON documents (sha256) WHERE withdrawn_at IS NOT NULL AND content_swept_at IS NULL;

-- +goose Down
DROP INDEX IF EXISTS idx_documents_unswept;
