using BenchmarkDotNet.Running;

// Note: the switcher takes BenchmarkDotNet's own arguments (--filter, --list flat, ...); docs/benchmarks.md has the
// command that produced the published figures. Benchmark classes are public and unsealed because BenchmarkDotNet
// derives its generated runner from them.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
