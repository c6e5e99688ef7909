/**
 * A Vitest reporter that names every test which failed and then passed on a retry (CI runs the integration and
 * browser suites with `--retry=1`, scripts/run-tests.ts), with the error of its failed attempt, and writes them
 * to the JSON file named by DEMOCRATOR_FLAKY_REPORT. The run passes, and its summary lists them: a flaky test
 * is a bug to fix, said plainly, not a reason to lose a whole run nor one to hide.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestCase } from 'vitest/node';

export interface FlakyTest {
  file: string;
  name: string;
  retries: number;
  /** The first line of each failed attempt's error, when Vitest kept it. */
  errors: string[];
}

export default class FlakyReporter implements Reporter {
  private readonly flaky: FlakyTest[] = [];

  onTestCaseResult(testCase: TestCase): void {
    const diagnostic = testCase.diagnostic();
    if (!diagnostic?.flaky) return;
    this.flaky.push({
      file: path.relative(process.cwd(), testCase.module.moduleId),
      name: testCase.fullName,
      retries: diagnostic.retryCount,
      errors: (testCase.result().errors ?? []).map((error) => String(error.message ?? error).split('\n')[0] ?? ''),
    });
  }

  onTestRunEnd(): void {
    const file = process.env.DEMOCRATOR_FLAKY_REPORT;
    if (file) writeFileSync(file, JSON.stringify(this.flaky, null, 2));
  }
}
