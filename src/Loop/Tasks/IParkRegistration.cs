namespace Structured;

/// <summary>
/// Something a parked task is registered with besides its wait queue (its innermost cancel scope),
/// told when the task resumes so that it can forget the task. Internal to the library.
/// </summary>
internal interface IParkRegistration
{
    /// <summary>Called on the resuming task's own thread, before its await returns.</summary>
    void Unregister(Parker parker);
}
