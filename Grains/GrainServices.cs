using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using QpActors.Domain;
using QpActors.Domain.Risk;
using QpActors.Domain.Schedule;
using QpActors.Figures.CostBenefit;
using QpActors.Figures.Reach;
using QpActors.Persistence;

namespace QpActors.Grains;

public static class GrainServices
{
    /// <summary>The services grains take through their constructors.</summary>
    public static IServiceCollection AddQpGrainDependencies(this IServiceCollection services, StorageSettings storage)
    {
        // One journal per silo: it groups appends from many grains into shared commits.
        services.AddSingleton<IEventJournal>(_ => EventJournalFactory.Create(storage, new JournalOptions()));
        services.AddSingleton(_ => RiskEngine.Default);

        // One calendar for every day the grains take (Programme:TimeZone; a host registers its own before this call).
        services.TryAddSingleton(ProgrammeCalendar.QueensPark);
        services.AddSingleton(provider => ReviewWindows.Default.In(provider.GetRequiredService<ProgrammeCalendar>()));
        // The default configuration ships embedded in QpActors.Figures; a host may register its own before this call.
        services.TryAddSingleton(_ => ServiceCatalogue.LoadDefault());
        services.TryAddSingleton(_ => CostBenefitAssumptions.LoadDefault());
        services.AddSingleton<WardFiguresBuilder>();
        services.AddSingleton<WardDatingGate>();
        services.AddSingleton<WardFeed>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(provider => provider.GetRequiredService<WardFeed>());
        return services;
    }
}
