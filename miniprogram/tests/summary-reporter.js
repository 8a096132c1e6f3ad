/**
 * Prints one plain closing line, "jest: N passed, N failed[, N skipped]",
 * that CI log readers recognise in any language.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    let line = 'jest: ' + results.numPassedTests + ' passed, ' + results.numFailedTests + ' failed'
    const skipped = results.numPendingTests + results.numTodoTests
    if (skipped) line += ', ' + skipped + ' skipped'
    process.stdout.write(line + '\n')
  }
}

module.exports = SummaryReporter
