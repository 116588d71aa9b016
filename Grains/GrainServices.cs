using Microsoft.Extensions.DependencyInjection;
using QpActors.Domain.Risk;
using QpActors.Domain.Schedule;
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
        services.AddSingleton(_ => ReviewWindows.Default);
        services.AddSingleton<WardFiguresBuilder>();
        return services;
    }
}
