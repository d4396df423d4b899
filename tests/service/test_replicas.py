"""Two service processes on one database behave as one service."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from claims_db.db import make_engine, make_session_factory
from claims_db.ingest import ingest
from claims_db.repository import FactCheckInput
from models.embedding import Embedder
from service.config import Settings

NEW_FACT_CHECK = FactCheckInput(
    claim="The Loch Ness monster was photographed in the Clyde in 2026.",
    rating="Pants on Fire",
    publisher="Example Checks",
    url="https://checks.example/nessie-clyde",
)
ARTICLE = (
    "Scotland news\n\n"
    "A viral post says the Loch Ness monster was photographed in the River Clyde in 2026. "
    "The council said it had no record of any sighting.\n"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Replica:
    """One `claimflag serve` process on a loopback port."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "CLAIMFLAG_DATABASE_URL": database_url,
            "CLAIMFLAG_LOG_LEVEL": "WARNING",
            "HF_HUB_OFFLINE": "1",
        }
        self.log = log
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "claimflag"), "serve", "--port", str(self.port)],
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"replica exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"replica not ready: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def replicas(seeded_settings: Settings, tmp_path: Path) -> Iterator[list[Replica]]:
    started = [
        Replica(seeded_settings.resolved_database_url, tmp_path / f"replica-{i}.log")
        for i in range(2)
    ]
    try:
        for replica in started:
            replica.wait_ready()
        yield started
    finally:
        for replica in started:
            replica.stop()


def _matched_urls(replica: Replica) -> set[str]:
    response = httpx.post(f"{replica.base_url}/v1/analyze", json={"text": ARTICLE}, timeout=60)
    assert response.status_code == 200, response.text
    return {
        match["fact_check"]["url"]
        for claim in response.json()["claims"]
        for match in claim["matches"]
    }


@pytest.mark.slow
def test_a_fact_check_written_through_one_replica_matches_through_the_other(
    replicas: list[Replica], seeded_settings: Settings, embedder: Embedder
) -> None:
    first, second = replicas
    assert NEW_FACT_CHECK.url not in _matched_urls(first)
    assert NEW_FACT_CHECK.url not in _matched_urls(second)

    # The fact-check write API is not on main yet: write as an importer on the side would.
    engine = make_engine(seeded_settings.resolved_database_url)
    session_factory: sessionmaker[Session] = make_session_factory(engine)
    ingest(session_factory, embedder, [NEW_FACT_CHECK])
    engine.dispose()

    assert NEW_FACT_CHECK.url in _matched_urls(second)
    assert NEW_FACT_CHECK.url in _matched_urls(first)
