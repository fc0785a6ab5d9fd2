-- E-mail subscriptions are endpoints too: the same events, retries and delivery log, with an address instead of a URL.
alter table webhooks alter column url drop not null;
alter table webhooks add column email text;
alter table webhooks add constraint webhooks_one_destination check ((url is null) <> (email is null));
alter table webhooks add constraint webhooks_tenant_email_key unique (tenant_id, email);
