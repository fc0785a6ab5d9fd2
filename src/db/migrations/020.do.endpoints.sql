-- One word for one concept: a tenant's subscriber (a URL or an e-mail address) is an "endpoint" everywhere, in the
-- API (/v1/endpoints, endpoint_id), the code and the schema. Renames keep data, indexes and constraints.
alter table webhooks rename to endpoints;
alter table endpoints rename constraint webhooks_one_destination to endpoints_one_destination;
alter table endpoints rename constraint webhooks_tenant_email_key to endpoints_tenant_email_key;
alter index webhooks_tenant_created_idx rename to endpoints_tenant_created_idx;
alter table endpoints rename constraint webhooks_pkey to endpoints_pkey;
alter table endpoints rename constraint webhooks_tenant_id_url_key to endpoints_tenant_id_url_key;

alter table deliveries rename column webhook_id to endpoint_id;
alter index deliveries_webhook_idx rename to deliveries_endpoint_idx;
alter table delivery_attempts rename column webhook_id to endpoint_id;
alter table operational_events rename column webhook_id to endpoint_id;
alter table delivery_outbox rename column webhook_id to endpoint_id;

-- The operational event was "webhook.disabled": subscriptions and recorded events take the new name.
update endpoints set events = array_replace(events, 'webhook.disabled', 'endpoint.disabled')
  where 'webhook.disabled' = any (events);
update operational_events
  set event_type = 'endpoint.disabled',
      payload = (payload - 'webhook_id')
        || jsonb_build_object('event_name', 'endpoint.disabled', 'endpoint_id', payload -> 'webhook_id')
  where event_type = 'webhook.disabled';

-- The change-log trigger names the delivery's columns in its body.
create or replace function record_book_change() returns trigger language plpgsql as $$
declare
  change_key text;
begin
  -- Separate branches: a row of one table has none of the other tables' key columns.
  if tg_argv[0] = 'document' then
    change_key := new.doc_uuid::text;
  elsif tg_argv[0] = 'event' then
    change_key := new.event_id;
  elsif tg_argv[0] = 'delivery' then
    change_key := new.event_id || '.' || new.endpoint_id::text;
  else
    change_key := '';
  end if;
  insert into book_changes (tenant_id, book_uuid, kind, key) values (new.tenant_id, new.book_uuid, tg_argv[0], change_key);
  perform pg_notify('book_changes', new.tenant_id || '/' || new.book_uuid::text);
  return null;
end
$$;
