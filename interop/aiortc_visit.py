"""A visit held by an independent WebRTC stack (aiortc), following docs/SIGNALING.md only.

Usage: python3 aiortc_visit.py VISITOR_URL RESIDENT_URL MONITOR_URL
Each URL is a signaling socket (ws://…/api/v1/live?ticket=…). The visitor and the
resident send a synthetic camera and microphone and say ready; the monitor receives
both parties, four receive-only lines. Every peer counts the frames it decodes per
track, until `ended`. Prints one JSON object: per role, frames per received track, the
messages seen, and the outcome.
"""

import asyncio
import json
import sys

import websockets
from aiortc import (
    AudioStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)


async def consume(track, counts, key):
    while True:
        try:
            await track.recv()
        except Exception:
            return
        counts[key] = counts.get(key, 0) + 1


async def peer(role, url, report):
    pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
    counts = {}
    seen = []
    tasks = []

    @pc.on("track")
    def on_track(track):
        key = f"{track.kind}-{len(tasks)}"
        counts.setdefault(key, 0)
        tasks.append(asyncio.ensure_future(consume(track, counts, key)))

    if role == "monitor":
        for kind in ("audio", "video", "audio", "video"):
            pc.addTransceiver(kind, direction="recvonly")
    else:
        pc.addTrack(AudioStreamTrack())
        pc.addTrack(VideoStreamTrack())

    outcome = None
    async with websockets.connect(url, max_size=2**20) as ws:
        welcome = json.loads(await ws.recv())
        seen.append(welcome["type"])
        await pc.setLocalDescription(await pc.createOffer())
        await ws.send(json.dumps({"type": "offer", "sdp": pc.localDescription.sdp}))
        if role != "monitor":
            await ws.send(json.dumps({"type": "ready"}))
        async for text in ws:
            m = json.loads(text)
            seen.append(m["type"])
            if m["type"] == "answer":
                await pc.setRemoteDescription(RTCSessionDescription(m["sdp"], "answer"))
            elif m["type"] == "error":
                report[role] = {"error": m, "seen": seen}
                await pc.close()
                return
            elif m["type"] == "ended":
                outcome = m["outcome"]["kind"]
                break
    await pc.close()
    for t in tasks:
        t.cancel()
    report[role] = {
        "frames": counts,
        "seen": sorted(set(seen)),
        "outcome": outcome,
        "ice": pc.iceConnectionState,
    }


async def main():
    visitor, resident, monitor = sys.argv[1:4]
    report = {}
    parties = asyncio.gather(peer("visitor", visitor, report), peer("resident", resident, report))
    await asyncio.sleep(3)
    await asyncio.gather(parties, peer("monitor", monitor, report))
    print(json.dumps(report))


# A test waits for this script: it never runs longer than 80 s.
asyncio.run(asyncio.wait_for(main(), 80))
