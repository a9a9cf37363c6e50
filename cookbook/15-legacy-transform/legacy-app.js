// legacy-app.js: stands in for an old system's export job. Its records keep
// the old shapes: flat upper-case fields, numbers as text, dates as
// DD/MM/YYYY, money in cents. The job ends with a batch-end record.
/** @type {Array<[string, object]>} (type, data) pairs: an editor then knows each type is a string */
const records = [
  ['legacy.user_created', { USER_ID: '0042', FULL_NAME: 'Ada Lovelace', SIGNUP: '05/12/2026' }],
  ['legacy.order_placed', { ORDER_NO: 'A-1001', CUST: '0042', TOTAL_CENTS: '12050', CURRENCY: 'eur' }],
  ['legacy.fax_sent', { TO: '+44 20 7946 0000' }],
  ['legacy.order_placed', { ORDER_NO: 'A-1002', CUST: '0042', TOTAL_CENTS: 'n/a', CURRENCY: 'eur' }],
  ['legacy.user_deleted', { USER_ID: '0017', REASON: 'GDPR' }],
];
const job = { correlation_id: 'export-2026-12-05' };
for (const [type, data] of records) Event.publish(type, data, job);
Event.publish('legacy.batch_end', { records: records.length }, job);
