// Path 5: offline synth of the prod stack (synthStack("prod") under Pulumi's mocks) in a fresh child
// process: the first call is the cold figure (Pulumi and the program loaded for the first time), a
// second call in the same process the warm one. The target is judged on the cold figure.
import { runChild } from "../lib/child.js";
import { judge, TARGETS, type ResultRow } from "../lib/results.js";

interface SynthChildResult {
  readonly resources: number;
  readonly importSeconds: number;
  readonly coldSeconds: number;
  readonly coldSynthSeconds: number;
  readonly warmSeconds?: number;
}

export const measureSynth = async (quick: boolean): Promise<ResultRow[]> => {
  try {
    const { result: r, wallSeconds } = await runChild<SynthChildResult>("synth.ts", quick ? ["--quick"] : [], { timeoutMs: 300_000 });
    const broken = !(r.resources > 0);
    const cold: ResultRow = {
      id: "synth:cold",
      path: "synth",
      title: "offline synth of prod, cold (fresh process)",
      status: broken ? "failed" : "measured",
      unit: "seconds",
      value: r.coldSeconds,
      targets: quick ? [] : judge({ value: r.coldSeconds }, TARGETS.synth),
      notes: [`${r.resources} resources; in the child from its first line to the synth's end; the whole process (Node and tsx start-up included) took ${wallSeconds.toFixed(2)} s`],
      details: { ...r, processWallSeconds: wallSeconds },
    };
    if (r.warmSeconds === undefined) return [cold];
    const warm: ResultRow = {
      id: "synth:warm",
      path: "synth",
      title: "offline synth of prod, warm (second call)",
      status: "measured",
      unit: "seconds",
      value: r.warmSeconds,
      targets: judge({ value: r.warmSeconds }, TARGETS.synth),
      notes: [],
    };
    return [cold, warm];
  } catch (err) {
    return [{ id: "synth", path: "synth", title: "offline synth of prod", status: "failed", unit: "seconds", targets: [], notes: [(err as Error).message] }];
  }
};
