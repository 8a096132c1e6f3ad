"""The public item page (`/i/<number>`, a plain camera's scan): photos as pictures,
voice messages as audio."""
from models import Photo
from pipeline.files import media
from pipeline.steps.intake import add_report_detail, classify


def test_a_voice_message_is_played_not_shown_as_a_photo(client, world, flow, now):
    item = flow.collected()
    add_report_detail(item, flow.a("zhang"), media_id="voice-media-1", media_kind="voice", text="楼道灯坏了", now=now)
    add_report_detail(item, flow.a("zhang"), media_id="photo-media-1", media_kind="image", now=now)
    voice = Photo.get(Photo.media_id == "voice-media-1")
    picture = Photo.get(Photo.media_id == "photo-media-1")
    media.stored(voice, f"wechat/202611/{voice.id}.amr", now)
    media.stored(picture, f"wechat/202611/{picture.id}.jpg", now, 640, 480)
    classify(item, flow.a("office"), category="housing", leader=world.staff["leader"].id,
             unit=world.units["jianshe"].id, tier="limited", roadmap="建设办牵头", now=now)

    page = client.get(f"/i/{item.number}").get_data(as_text=True)
    assert f'<audio controls preload="none" src="/uploads/{voice.id}"' in page
    assert f'<img src="/uploads/{voice.id}"' not in page
    assert f'<img src="/uploads/{picture.id}"' in page
    assert "语音留言" in page
