import { describe, expect, it } from "vitest";
import { bucketQuantileUpperBound, histogramDelta, parseHistogram } from "./prom-text.js";

const scrape = (commitCount: number, commitSum: number, fastBucket: number) => `# HELP titan_brain_db_statement_duration_seconds Duration of PostgreSQL statements
# TYPE titan_brain_db_statement_duration_seconds histogram
titan_brain_db_statement_duration_seconds_bucket{le="0.001",service="brain",statement="commit",outcome="ok"} ${fastBucket}
titan_brain_db_statement_duration_seconds_bucket{le="0.01",service="brain",statement="commit",outcome="ok"} ${commitCount}
titan_brain_db_statement_duration_seconds_bucket{le="+Inf",service="brain",statement="commit",outcome="ok"} ${commitCount}
titan_brain_db_statement_duration_seconds_sum{service="brain",statement="commit",outcome="ok"} ${commitSum}
titan_brain_db_statement_duration_seconds_count{service="brain",statement="commit",outcome="ok"} ${commitCount}
titan_brain_db_statement_duration_seconds_bucket{le="0.001",service="brain",statement="idle",outcome="ok"} 3
titan_brain_db_statement_duration_seconds_bucket{le="0.01",service="brain",statement="idle",outcome="ok"} 3
titan_brain_db_statement_duration_seconds_bucket{le="+Inf",service="brain",statement="idle",outcome="ok"} 3
titan_brain_db_statement_duration_seconds_sum{service="brain",statement="idle",outcome="ok"} 0.001
titan_brain_db_statement_duration_seconds_count{service="brain",statement="idle",outcome="ok"} 3
titan_brain_other_seconds_count 7
`;

describe("statement histograms from a /metrics scrape", () => {
  const name = "titan_brain_db_statement_duration_seconds";

  it("read every series with its buckets, sum and count, le set aside", () => {
    const series = [...parseHistogram(scrape(10, 0.02, 4), name).values()];
    expect(series).toHaveLength(2);
    const commit = series.find((s) => s.labels.statement === "commit")!;
    expect(commit).toMatchObject({ count: 10, sum: 0.02, labels: { service: "brain", statement: "commit", outcome: "ok" } });
    expect(commit.buckets).toEqual([[0.001, 4], [0.01, 10], [Number.POSITIVE_INFINITY, 10]]);
  });

  it("keep only what happened between two scrapes", () => {
    const delta = histogramDelta(parseHistogram(scrape(10, 0.02, 4), name), parseHistogram(scrape(30, 0.1, 5), name));
    expect(delta).toHaveLength(1); // the idle statement ran nothing in between
    expect(delta[0]).toMatchObject({ count: 20, labels: { statement: "commit" } });
    expect(delta[0]!.sum).toBeCloseTo(0.08, 12);
    expect(delta[0]!.buckets).toEqual([[0.001, 1], [0.01, 20], [Number.POSITIVE_INFINITY, 20]]);
    expect(bucketQuantileUpperBound(delta[0]!, 0.05)).toBe(0.001);
    expect(bucketQuantileUpperBound(delta[0]!, 0.5)).toBe(0.01);
  });
});
