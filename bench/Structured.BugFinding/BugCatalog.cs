namespace BugFinding;

/// <summary>The bugs by the names the table uses (the Coyote twin uses the same names).</summary>
internal static class BugCatalog
{
    internal static readonly (string Name, Func<Task> Body)[] All =
    [
        ("account", Bugs.Account),
        ("reorder_3", Bugs.Reorder(3)),
        ("reorder_10", Bugs.Reorder(10)),
        ("reorder_20", Bugs.Reorder(20)),
        ("twostage", Bugs.TwoStage(2)),
        ("twostage_100", Bugs.TwoStage(100)),
        ("wronglock", Bugs.WrongLock),
        ("deadlock01", Bugs.Deadlock01),
        ("carter01", Bugs.Carter01),
        ("bluetooth_driver", Bugs.BluetoothDriver),
        ("missed_wakeup", Bugs.MissedWakeUp),
        ("atomicity_3", Bugs.ThreePreemptions),
        ("use_before_init", Bugs.UseBeforeInit),
        ("channel_close", Bugs.ChannelCloseRace),
    ];
}
