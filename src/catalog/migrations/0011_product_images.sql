-- One image per product, kept in the database so every process on one PostgreSQL serves it
-- (no shared disk needed). `data` is the optimised WebP, `thumb` the 320×320 thumbnail.
create table product_images (
  product_id bigint primary key references products(id) on delete cascade,
  content_type text not null,
  width integer not null,
  height integer not null,
  bytes integer not null,
  original_bytes integer not null,
  original_type text not null,
  etag text not null,
  data bytea not null,
  thumb bytea not null,
  updated_at timestamptz not null default now()
);
