-- Creates a tenant.
insert into tenants (name, callback_url) values ($1::text, $2::text) returning id
