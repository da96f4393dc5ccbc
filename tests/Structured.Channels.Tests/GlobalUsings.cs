global using static ChannelsTests.ChannelTestHelpers;
