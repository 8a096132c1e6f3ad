// The privacy authorisation flow (utils/privacy.js, components/privacy-popup) and
// what the report page says when picking photos or a place fails.
const path = require('path')
const simulate = require('miniprogram-simulate')
const h = require('./helpers')
const privacy = require('../utils/privacy.js')

const WXML = require('fs').readFileSync(path.join(__dirname, '..', 'components', 'privacy-popup', 'privacy-popup.wxml'), 'utf8')
const ROUTES = {'GET /api/v1/categories': [], 'GET /api/v1/subscriptions/templates': []}

/** What app.js does at launch; returns `need(resolve)`, standing in for WeChat holding a privacy API. */
function watchPrivacy(wx) {
  let handler = null
  wx.onNeedPrivacyAuthorization = jest.fn(fn => { handler = fn })
  wx.openPrivacyContract = jest.fn()
  privacy.reset()
  privacy.watch()
  return resolve => handler(resolve)
}

let popupId = null
function renderPopup() {
  if (!popupId) popupId = simulate.load(path.join(__dirname, '..', 'components', 'privacy-popup', 'privacy-popup'))
  const comp = simulate.render(popupId)
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

describe('privacy authorisation', () => {
  test('WeChat holding a privacy API shows the popup; agreeing answers WeChat from the agree button', async () => {
    const {wx} = h.setup(ROUTES)
    const need = watchPrivacy(wx)
    expect(wx.onNeedPrivacyAuthorization).toHaveBeenCalledTimes(1)
    const popup = renderPopup()
    expect(popup.querySelector('.privacy-dialog')).toBeFalsy()

    const resolve = jest.fn()
    need(resolve)
    await h.flush()
    expect(popup.querySelector('.privacy-dialog')).toBeTruthy()
    const agree = popup.querySelector('#privacy-agree')
    // WeChat takes the agreement only from a button of this open-type.
    expect(WXML).toMatch(/<button id="privacy-agree"[^>]*open-type="agreePrivacyAuthorization"[^>]*bindagreeprivacyauthorization="onAgree"/)

    await h.tap(popup, '.privacy-link')
    expect(wx.openPrivacyContract).toHaveBeenCalled()
    agree.dispatchEvent('agreeprivacyauthorization')
    await h.flush()
    expect(resolve).toHaveBeenCalledWith({event: 'agree', buttonId: 'privacy-agree'})
    expect(popup.querySelector('.privacy-dialog')).toBeFalsy()
  })

  test('refusing answers WeChat with disagree, so the held call fails', async () => {
    const {wx} = h.setup(ROUTES)
    const need = watchPrivacy(wx)
    const popup = renderPopup()
    const resolve = jest.fn()
    need(resolve)
    await h.flush()
    await h.tap(popup, '.privacy-disagree')
    expect(resolve).toHaveBeenCalledWith({event: 'disagree'})
    expect(popup.querySelector('.privacy-dialog')).toBeFalsy()
  })

  test('with no popup on the page WeChat is answered at once, never left waiting', () => {
    const {wx} = h.setup(ROUTES)
    const need = watchPrivacy(wx)
    const resolve = jest.fn()
    need(resolve)
    expect(resolve).toHaveBeenCalledWith({event: 'disagree'})
  })

})
