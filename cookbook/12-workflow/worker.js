// worker.js: runs the validate and transform stages of each started
// processing, and reports each completion (or the error) as an event.
const started = Event.subscribe('processing.started', (e) => {
  const { data_id, rows } = e.data;

  const bad = rows.filter((r) => typeof r.customer !== 'string');
  if (bad.length > 0) {
    Event.publish('workflow.validate.error', { data_id, stage: 'validate', error: `${bad.length} row(s) without a customer` });
    return;
  }
  Event.publish('processing.validate.completed', { data_id, stage: 'validate', summary: `${rows.length} rows valid` });

  const byRegion = {};
  for (const r of rows) byRegion[r.region] = (byRegion[r.region] ?? 0) + r.amount;
  Event.publish('processing.transform.completed', {
    data_id,
    stage: 'transform',
    summary: `${Object.keys(byRegion).length} regions`,
    by_region: byRegion,
  });
});

const shutdown = Event.subscribe('workflow.shutdown', () => {
  started.unsubscribe();
  shutdown.unsubscribe();
});
