using Microsoft.Extensions.DependencyInjection;
using Orleans.CodeGeneration;
using QpActors.Grains;

namespace QpActors.Tests.Shared;

/// <summary>
/// The one-way grain messages in flight in one test cluster: counted when a silo sends one and done when the grain it
/// was sent to has finished handling it, so a test can wait for that moment instead of retrying a read until it holds.
/// </summary>
/// <remarks>
/// <para>
/// One-way messages are the only grain calls the product leaves outstanding when the call that caused them returns (a
/// child's notice to its family, a family's or child's notice to a champion, a child's tick to its family); every other
/// call is awaited by its caller. Orleans does not promise that a one-way message from one grain is handled before a
/// later call from someone else (its delivery is at most once, and calls not awaited in turn may be reordered), so
/// "call the family once more and it will have seen the notice" is no guarantee; this is.
/// </para>
/// <para>
/// Each message carries its own number in the request context. The receiving silo takes the number out before the grain
/// runs, so calls the handler makes do not carry it on, and marks it handled when the grain method ends, failed or not. A
/// message that never arrives keeps the count above zero and the wait fails at its deadline: a lost notice is a failure
/// here, not something to wait out. Numbers are keyed by this instance, so a message marked by another counter is ignored.
/// </para>
/// <para>
/// A silo that stops takes with it the messages it was answerable for: those it is handling, and those it sent that no
/// silo has begun to handle (in a one-silo cluster, every message in flight). Each silo registers its own
/// <see cref="Silo"/> (<see cref="Delivery.AddOneWayMessages"/>), which drops them from the count once the silo has
/// stopped, so a drain after a restart, or after one silo of several stopped, does not wait for a message that died with
/// it. A message a surviving silo sent to the stopped one and that was not yet received stays counted: it was lost by a
/// silo still running, which is a failure.
/// </para>
/// </remarks>
public sealed class OneWayMessages
{
    private readonly string _key = "qp-test-one-way-" + Guid.NewGuid().ToString("N");
    private readonly Lock _gate = new();

    // Each message in flight, with the silo answerable for it: the sender until a silo begins to handle it, then that one.
    private readonly Dictionary<long, Silo> _inFlight = [];
    private long _sent;
    private TaskCompletionSource? _allHandled;

    /// <summary>How many one-way messages have been sent and not yet handled.</summary>
    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _inFlight.Count;
            }
        }
    }

    /// <summary>Completes when no one-way message is in flight (at once if none is).</summary>
    public Task AllHandledAsync()
    {
        lock (_gate)
        {
            if (_inFlight.Count == 0)
            {
                return Task.CompletedTask;
            }

            _allHandled ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _allHandled.Task;
        }
    }

    /// <summary>The filters and stop hook of one silo, counting into this instance.</summary>
    public Silo ForSilo() => new(this);

    private long Sent(Silo sender)
    {
        var number = Interlocked.Increment(ref _sent);
        lock (_gate)
        {
            _inFlight.Add(number, sender);
        }

        return number;
    }

    private void Receiving(long number, Silo receiver)
    {
        lock (_gate)
        {
            // A number already dropped (its sender stopped) stays dropped.
            if (_inFlight.ContainsKey(number))
            {
                _inFlight[number] = receiver;
            }
        }
    }

    private void Handled(long number)
    {
        TaskCompletionSource? waiting = null;
        lock (_gate)
        {
            if (_inFlight.Remove(number) && _inFlight.Count == 0)
            {
                (waiting, _allHandled) = (_allHandled, null);
            }
        }

        waiting?.TrySetResult();
    }

    private void Stopped(Silo silo)
    {
        TaskCompletionSource? waiting = null;
        lock (_gate)
        {
            foreach (var number in _inFlight.Where(m => m.Value == silo).Select(m => m.Key).ToList())
            {
                _inFlight.Remove(number);
            }

            if (_inFlight.Count == 0)
            {
                (waiting, _allHandled) = (_allHandled, null);
            }
        }

        waiting?.TrySetResult();
    }

    /// <summary>One silo's share of the count: its outgoing and incoming grain call filters, and its stop.</summary>
    public sealed class Silo(OneWayMessages messages) : IOutgoingGrainCallFilter, IIncomingGrainCallFilter, ILifecycleParticipant<ISiloLifecycle>
    {
        async Task IOutgoingGrainCallFilter.Invoke(IOutgoingGrainCallContext context)
        {
            // Only the product's own: the dashboard's silos report their counters one-way too, and after a restart one of
            // those (to a silo grain service) was never handled, which failed a drain that had nothing of the product left.
            if (context.Request is not IRequest { Options: var options } || (options & InvokeMethodOptions.OneWay) == 0 ||
                !context.InterfaceName.StartsWith("QpActors.", StringComparison.Ordinal))
            {
                await context.Invoke();
                return;
            }

            // Counted in the sender's turn, before the call that caused it can return to the test. The request context set
            // here goes into this message only: an async method's changes to it do not flow back to its caller.
            var number = messages.Sent(this);
            RequestContext.Set(messages._key, number);
            try
            {
                await context.Invoke();
            }
            catch
            {
                messages.Handled(number); // Never sent, so never handled.
                throw;
            }
        }

        async Task IIncomingGrainCallFilter.Invoke(IIncomingGrainCallContext context)
        {
            if (RequestContext.Get(messages._key) is not long number)
            {
                await context.Invoke();
                return;
            }

            RequestContext.Remove(messages._key);
            messages.Receiving(number, this);
            try
            {
                await context.Invoke();
            }
            finally
            {
                messages.Handled(number);
            }
        }

        // The earliest stage stops last: by then the silo has deactivated its grains and sends nothing more.
        void ILifecycleParticipant<ISiloLifecycle>.Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(OneWayMessages), ServiceLifecycleStage.First, _ => Task.CompletedTask, _ =>
            {
                messages.Stopped(this);
                return Task.CompletedTask;
            });
    }
}

/// <summary>Waiting, in tests, for what a recorded event sets in motion to reach the wards.</summary>
public static class Delivery
{
    /// <summary>Long enough for any drain on a loaded machine; reaching it means something was lost, not slow.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Counts one-way messages on a silo (or a co-hosted gateway) built with these services: call it once per silo, as
    /// each gets its own <see cref="OneWayMessages.Silo"/>, whose messages are dropped from the count when it stops.
    /// </summary>
    public static IServiceCollection AddOneWayMessages(this IServiceCollection services, OneWayMessages messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var silo = messages.ForSilo();
        services.AddSingleton<IOutgoingGrainCallFilter>(silo);
        services.AddSingleton<IIncomingGrainCallFilter>(silo);
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(silo);
        return services;
    }

    /// <summary>
    /// Returns once everything the calls made so far set in motion has reached the wards: every one-way message has been
    /// handled (the grains that received them have handed their contributions to their silo's feed), then every silo's
    /// feed has sent what it held and each ward has taken its batch. A flush cannot send a one-way message, so one pass
    /// suffices; a feed's timer flushing meanwhile only makes the explicit flush wait for it.
    /// </summary>
    public static async Task DrainAsync(OneWayMessages messages, IEnumerable<WardFeed> feeds)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(feeds);
        try
        {
            await messages.AllHandledAsync().WaitAsync(Deadline);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{messages.InFlight} one-way grain messages were not handled within {Deadline.TotalSeconds:0} s: one was lost.");
        }

        await Task.WhenAll(feeds.Select(feed => feed.FlushAsync())).WaitAsync(Deadline);
    }
}
