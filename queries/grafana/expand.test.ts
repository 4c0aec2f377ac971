import { describe, expect, it } from 'vitest';
import { ALL, expandPanelSql, type QueryContext } from './expand.ts';

// 2026-03-14T10:15:30.123Z .. 2026-03-14T11:15:30.456Z, 90 s interval.
const context: QueryContext = {
  from: new Date(1773483330123),
  to: new Date(1773486930456),
  intervalMs: 90_500,
  variables: { service: ['a', "o'b"], layer: [ALL], subject: '', rotation_hours: '24' },
};

describe('macro expansion as the ClickHouse plugin does it (research/anchors.md §2)', () => {
  it.each([
    ['$__timeFilter(Timestamp)', 'Timestamp >= toDateTime(1773483330) AND Timestamp <= toDateTime(1773486930)'],
    ['$__timeFilter_ms(t.Timestamp)', 't.Timestamp >= fromUnixTimestamp64Milli(1773483330123) AND t.Timestamp <= fromUnixTimestamp64Milli(1773486930456)'],
    ['$__fromTime, $__toTime', 'toDateTime(1773483330), toDateTime(1773486930)'],
    ['$__fromTime_ms, $__toTime_ms', 'fromUnixTimestamp64Milli(1773483330123), fromUnixTimestamp64Milli(1773486930456)'],
    ['$__timeInterval(ts)', 'toStartOfInterval(toDateTime(ts), INTERVAL 90 second)'],
    ['$__timeInterval_ms(ts)', 'toStartOfInterval(toDateTime64(ts, 3), INTERVAL 90500 millisecond)'],
    ['count() / $__interval_s', 'count() / 90'],
  ])('%s', (sql, expected) => {
    expect(expandPanelSql(sql, context)).toBe(expected);
  });

  it('keeps $__interval_s at least 1', () => {
    expect(expandPanelSql('$__interval_s', { ...context, intervalMs: 200 })).toBe('1');
  });

  it('resolves $__conditionalAll to 1=1 for "All" and for an empty value, else to the condition with the variable interpolated', () => {
    expect(expandPanelSql('WHERE $__conditionalAll(Layer IN (${layer:singlequote}), $layer)', context)).toBe('WHERE 1=1');
    expect(expandPanelSql('WHERE $__conditionalAll(Subject = ${subject:singlequote}, $subject)', context)).toBe('WHERE 1=1');
    expect(expandPanelSql('WHERE $__conditionalAll(s IN (${service:singlequote}), $service)', context)).toBe("WHERE s IN ('a','o\\'b')");
    expect(expandPanelSql("WHERE $__conditionalAll(has(x, (1, 'a,b')), $service) AND h < ${rotation_hours}", context)).toBe("WHERE has(x, (1, 'a,b')) AND h < 24");
  });

  it('refuses what Grafana would not expand, or would expand to every value', () => {
    expect(() => expandPanelSql('$__timeFilter(a, b)', context)).toThrow(/1 argument/);
    expect(() => expandPanelSql('$__dateFilterX(a)', context)).toThrow(/no macro \$__dateFilterX/);
    expect(() => expandPanelSql('Layer IN (${layer:singlequote})', context)).toThrow(/conditionalAll/);
    expect(() => expandPanelSql('x = ${nope}', context)).toThrow(/undefined template variable/);
  });
});
