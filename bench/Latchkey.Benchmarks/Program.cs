using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// Note: the switcher takes BenchmarkDotNet's own arguments (--filter, --list flat, ...); docs/benchmarks.md has the
// command that produced the published figures. Benchmark classes are public and unsealed because BenchmarkDotNet
// derives its generated runner from them.
// Note: BenchmarkDotNet rebuilds the project and everything it references for its runner; its default limit of 2
// minutes is not enough on a 2-core machine that is busy with anything else.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly)
    .Run(args, ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10)));
