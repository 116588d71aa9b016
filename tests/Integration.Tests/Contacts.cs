using QpActors.Tests.Shared;

namespace QpActors.Integration.Tests;

/// <summary>Contact events for the grain tests, built through the real wire parser.</summary>
public sealed class Contacts(TimeProvider clock, string prefix) : WireContacts(clock, prefix);
