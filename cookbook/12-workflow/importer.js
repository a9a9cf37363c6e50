// importer.js: two nightly imports land; each is announced with its rows.
const imports = {
  'orders-0601': [
    { customer: 'c-1', region: 'eu', amount: 120 },
    { customer: 'c-2', region: 'us', amount: 80 },
    { customer: 'c-3', region: 'eu', amount: 45.5 },
    { customer: 'c-4', region: 'apac', amount: 200 },
    { customer: 'c-5', region: 'us', amount: 99.5 },
  ],
  'orders-0602': [
    { customer: 'c-6', region: 'eu', amount: 10 },
    { customer: null, region: 'us', amount: 70 },
    { customer: 'c-8', region: 'eu', amount: 30 },
  ],
};
for (const [import_id, rows] of Object.entries(imports)) {
  Event.publish('data.import.completed', { import_id, rows });
}
Event.publish('data.import.finished', { imports: Object.keys(imports).length });
