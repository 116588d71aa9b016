using Orleans.Concurrency;
using QpActors.Figures.CostBenefit;
using QpActors.Grains.Interfaces;

namespace QpActors.Grains;

/// <summary>
/// The cost-benefit assumptions the figures on this silo are worked out with, as the commission reads them. A stateless
/// worker: they are the silo's configuration, the same on every silo, so the silo that receives the call answers.
/// </summary>
[StatelessWorker]
public sealed class CostBenefitGrain(CostBenefitAssumptions assumptions, WardFiguresBuilder figures) : Grain, ICostBenefitGrain
{
    private readonly Lazy<string> _json = new(assumptions.ToJson);

    public Task<string> GetAssumptionsAsync() => Task.FromResult(_json.Value);

    public Task<IReadOnlyList<FieldProblem>> CheckWhatIfAsync(string scenario, string? overrides) =>
        Task.FromResult(figures.WhatIfProblems(scenario, overrides));
}
